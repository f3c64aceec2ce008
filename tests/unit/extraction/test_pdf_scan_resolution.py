"""Through the warm engine a scanner's PDF is read at the scan's own resolution: a 200-dpi scan is not
rendered at 300 dpi (2.25 times the pixels for Tesseract, and nothing more to read), while a coarse scan
still is. Through the CLI engine (the default) every scan is rendered at 300 dpi, as it was measured."""

from __future__ import annotations

import random

import pytest

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


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tesserocr")
    monkeypatch.setenv("MOTCUA_OCR_ENGINE", "tesserocr")


def test_a_200_dpi_scan_is_rendered_at_200_dpi(warm: None) -> None:
    assert _dpis(200) == [200, 200]


def test_a_300_dpi_scan_is_rendered_at_300_dpi(warm: None) -> None:
    assert _dpis(300) == [300, 300]


def test_a_150_dpi_scan_is_still_rendered_at_300_dpi(warm: None) -> None:
    assert _dpis(150) == [300, 300]


def test_through_the_cli_engine_a_200_dpi_scan_is_rendered_at_300_dpi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_OCR_ENGINE", "pytesseract")
    assert _dpis(200) == [300, 300]
