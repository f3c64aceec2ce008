"""A scanner's PDF is rendered at 300 dpi whatever its scan's resolution, through either engine: rendered at
its own 200 dpi, a list lost its dates of birth to the period's column (Tesseract 5.3, the CLI's and, since it
is built against the same library, the warm engine's: tests/unit/extraction/test_second_generator.py)."""

from __future__ import annotations

import random

import pytest

from chalicelib.config import settings
from chalicelib.extraction.pages import open_document
from tests.scans import generate as gen


def _dpis(dpi: int) -> list[int]:
    rng = random.Random(dpi)
    doc = gen.make_document(rng, rows=6)
    pages = [gen.degrade(p, rng) for p in gen.render_pages(gen.render_pdf(doc, rows_per_page=3), dpi)]
    opened = open_document(gen.save_scanner_pdf(pages, dpi), "application/pdf")
    try:
        return [page.dpi for page in opened.pages()]
    finally:
        opened.close()


@pytest.fixture(params=["tesserocr", "pytesseract"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    if request.param == "tesserocr":
        pytest.importorskip("tesserocr")
    monkeypatch.setenv("MOTCUA_OCR_ENGINE", request.param)
    settings.cache_clear()
    yield request.param
    settings.cache_clear()


def test_a_200_dpi_scan_is_rendered_at_300_dpi(engine: str) -> None:
    assert _dpis(200) == [300, 300]


def test_a_300_dpi_scan_is_rendered_at_300_dpi(engine: str) -> None:
    assert _dpis(300) == [300, 300]


def test_a_150_dpi_scan_is_rendered_at_300_dpi(engine: str) -> None:
    assert _dpis(150) == [300, 300]
