"""Fixtures of the extraction tests: documents generated once per session, into a temporary folder.

Nothing binary is committed: tests/scans/generate.py draws the lists (reportlab, DejaVu Sans) and
degrades them into scans. OCR'd results are computed once per case and shared by the tests.
"""

from __future__ import annotations

import os
import random
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.scans import generate as gen  # noqa: E402


class Case:
    def __init__(self, name: str, doc, data: bytes, content_type: str):
        self.name, self.doc, self.data, self.content_type = name, doc, data, content_type
        self._result = None

    @property
    def result(self):
        if self._result is None:
            from chalicelib.extraction import extract_document

            self._result = extract_document(self.data, self.content_type, filename=self.name)
        return self._result


def _build(tmp) -> dict[str, Case]:
    rng = random.Random(15_2020)
    cases: dict[str, Case] = {}

    def add(name, doc, data, ctype):
        with open(os.path.join(tmp, name), "wb") as fh:
            fh.write(data)
        cases[name] = Case(name, doc, data, ctype)

    # a PDF as the employer's software writes it: text layer, two pages
    doc = gen.make_document(rng, rows=14)
    add("text_layer.pdf", doc, gen.render_pdf(doc, rows_per_page=9), "application/pdf")
    # a scanner's image-only PDF, two pages, 200 dpi
    doc = gen.make_document(rng, rows=10)
    pages = [
        gen.degrade(p, rng, skew=s)
        for p, s in zip(gen.render_pages(gen.render_pdf(doc, rows_per_page=5), 200), (0.8, -1.2), strict=False)
    ]
    add("scanned.pdf", doc, gen.save_scanner_pdf(pages, 200), "application/pdf")
    # a PNG at 300 dpi
    doc = gen.make_document(rng, rows=6)
    page = gen.degrade(gen.render_pages(gen.render_pdf(doc), 300)[0], rng, skew=-0.6)
    add("page300.png", doc, gen.save_png(page, 300), "image/png")
    # a phone photo: tilted, blurred, grainy, JPEG-compressed
    doc = gen.make_document(rng, rows=6)
    page = gen.degrade(
        gen.render_pages(gen.render_pdf(doc), 220)[0], rng, skew=1.9, blur=1.1, noise=28, jpeg_quality=55
    )
    add("photo.jpg", doc, gen.save_jpeg(page, 220, quality=60), "image/jpeg")
    # an office scanner's multi-page TIFF
    doc = gen.make_document(rng, rows=8)
    pages = [gen.degrade(p, rng) for p in gen.render_pages(gen.render_pdf(doc, rows_per_page=4), 200)]
    add("scan.tif", doc, gen.save_tiff(pages, 200), "image/tiff")
    # a page scanned sideways (90°)
    doc = gen.make_document(rng, rows=5)
    page = gen.degrade(gen.render_pages(gen.render_pdf(doc), 200)[0], rng, rotate90=True, skew=0.5)
    add("rotated.png", doc, gen.save_png(page, 200), "image/png")
    # a PDF written by Pillow (not strictly valid)
    doc = gen.make_document(rng, rows=5)
    page = gen.degrade(gen.render_pages(gen.render_pdf(doc), 200)[0], rng, skew=-1.0)
    add("pillow.pdf", doc, gen.save_pillow_pdf([page], 200), "application/pdf")
    return cases


@pytest.fixture(scope="session")
def scans(tmp_path_factory) -> dict[str, Case]:
    return _build(str(tmp_path_factory.mktemp("scans")))


@pytest.fixture(scope="session")
def text_pdf(scans) -> Case:
    return scans["text_layer.pdf"]
