"""How fast hostile files are refused, and how quick a second `make run` seeding is.

The tests check *that* each of these is refused with its code, without allocating the bomb; how
long it takes is a figure, measured here, because a wall-clock bound in a test fails on a slow or
shared machine. Each figure is the median of a few runs of one refusal, in milliseconds:

- `refuse_pdf_3000_pages_ms`: a PDF of 3 000 blank pages (`too_many_pages`);
- `refuse_pdf_huge_page_ms`: one 200 × 200-inch page (`page_too_large`);
- `refuse_png_bomb_ms`: a 40 000 × 40 000 one-bit PNG of ~200 KB (`image_too_large`);
- `over_budget_tiff_ms`: a 5-page TIFF read with a budget of 0 s (every page reported unread).

Run: `.venv/bin/python bench/refusals.py [--repeat 3]`; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _pdf_pages(count: int) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_huge_page() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(14400, 14400))
    page.drawString(100, 100, "x")
    page.showPage()
    page.save()
    return out.getvalue()


def _tiff(frames: int) -> bytes:
    from PIL import Image

    images = [Image.new("L", (400, 400), 255) for _ in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_adobe_deflate")
    return out.getvalue()


def _refused(data: bytes, content_type: str, code: str) -> Callable[[], None]:
    from chalicelib.extraction import ExtractionError, extract_document

    def run() -> None:
        try:
            extract_document(data, content_type)
        except ExtractionError as error:
            if error.code != code:
                raise RuntimeError(f"refused as {error.code}, expected {code}") from error
            return
        raise RuntimeError(f"not refused; expected {code}")

    return run


def _median_ms(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from chalicelib.extraction.extract import extract_document
    from tests.unit.extraction.test_extraction_bad_input import decompression_bomb_png

    tiff = _tiff(5)
    figures = {
        "refuse_pdf_3000_pages_ms": _median_ms(
            _refused(_pdf_pages(3000), "application/pdf", "too_many_pages"), args.repeat
        ),
        "refuse_pdf_huge_page_ms": _median_ms(
            _refused(_pdf_huge_page(), "application/pdf", "page_too_large"), args.repeat
        ),
        "refuse_png_bomb_ms": _median_ms(
            _refused(decompression_bomb_png(), "image/png", "image_too_large"), args.repeat
        ),
        "over_budget_tiff_ms": _median_ms(lambda: extract_document(tiff, "image/tiff", budget_seconds=0), args.repeat),
    }
    for name, value in figures.items():
        print(f"{name}: {value}", file=sys.stderr)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
