"""Whole documents through `extract_document`: every input kind. OCR tests are marked `ocr`."""

from __future__ import annotations

import io
import json
import logging
import unicodedata

import pytest

from chalicelib.extraction import extract_document
from chalicelib.extraction.cli import run

FIELDS = ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")


def _table(workers):
    return [tuple(getattr(w, f) for f in FIELDS) for w in workers]


def _assert_all_read(case):
    result = case.result
    assert result.document_type == "worker_list"
    assert result.unit.unit_code == case.doc.unit_code
    assert result.unit.tax_code == case.doc.tax_code
    assert result.unit.name == case.doc.unit_name
    assert [w.si_number for w in result.workers] == [w.si_number for w in case.doc.workers]
    assert [w.id_number for w in result.workers] == [w.id_number for w in case.doc.workers]
    assert [w.date_of_birth for w in result.workers] == [w.date_of_birth for w in case.doc.workers]
    assert [w.full_name for w in result.workers] == [w.full_name for w in case.doc.workers]
    assert _table(result.workers) == _table(case.doc.workers)
    assert [w.row for w in result.workers] == list(range(1, len(case.doc.workers) + 1))
    assert not result.problems
    for w in result.workers:
        assert set(w.confidence) == set(FIELDS)
        assert all(0.0 <= c <= 1.0 for c in w.confidence.values())
        assert unicodedata.is_normalized("NFC", w.full_name)


def test_text_layer_pdf_is_read_without_ocr(text_pdf):
    result = text_pdf.result
    assert [p.source for p in result.pages] == ["text_layer", "text_layer"]
    assert all(p.error is None for p in result.pages)
    _assert_all_read(text_pdf)
    assert all(c == 1.0 for w in result.workers for c in w.confidence.values())
    assert result.confidence == {"unit_code": 1.0, "tax_code": 1.0, "name": 1.0}
    assert "DANH SÁCH NGƯỜI LAO ĐỘNG" in result.text
    assert text_pdf.doc.workers[-1].full_name in result.text


def test_result_is_json(text_pdf):
    out = json.loads(json.dumps(text_pdf.result.to_dict(), ensure_ascii=False))
    assert set(out) >= {"document_type", "unit", "workers", "pages", "text", "confidence", "problems"}
    assert set(out["unit"]) == {"unit_code", "tax_code", "name"}
    assert set(out["workers"][0]) >= set(FIELDS) | {"row", "confidence"}
    assert set(out["pages"][0]) >= {"number", "source", "seconds", "rotation", "skew", "error"}


def test_no_personal_data_in_logs(text_pdf, caplog):
    with caplog.at_level(logging.DEBUG):
        extract_document(text_pdf.data, "application/pdf")
    logged = caplog.text
    for w in text_pdf.doc.workers:
        assert w.si_number not in logged and w.full_name not in logged and w.id_number not in logged


def test_cli(text_pdf, tmp_path, capsys):
    path = tmp_path / "list.pdf"
    path.write_bytes(text_pdf.data)
    assert run(str(path), as_json=True) == 0
    out = json.loads(capsys.readouterr().out)
    assert [w["si_number"] for w in out["workers"]] == [w.si_number for w in text_pdf.doc.workers]
    assert run(str(path), as_json=False) == 0
    summary = capsys.readouterr().out
    assert "worker_list" in summary and text_pdf.doc.workers[0].si_number in summary
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert run(str(empty), as_json=True) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: empty_file: ")


@pytest.mark.ocr
def test_scanned_pdf_multi_page(scans):
    case = scans["scanned.pdf"]
    assert [p.source for p in case.result.pages] == ["ocr", "ocr"]
    assert [w.page for w in case.result.workers] == [1] * 5 + [2] * 5
    _assert_all_read(case)


@pytest.mark.ocr
def test_png_300_dpi(scans):
    case = scans["page300.png"]
    _assert_all_read(case)
    assert case.result.pages[0].dpi == 300


@pytest.mark.ocr
def test_phone_photo_jpeg_tilted_and_blurred(scans):
    case = scans["photo.jpg"]
    _assert_all_read(case)
    assert case.result.pages[0].skew == pytest.approx(-1.9, abs=0.5)


@pytest.mark.ocr
def test_multi_page_tiff(scans):
    case = scans["scan.tif"]
    assert len(case.result.pages) == 2
    _assert_all_read(case)


@pytest.mark.ocr
def test_page_turned_90_degrees(scans):
    case = scans["rotated.png"]
    assert case.result.pages[0].rotation in (90, 270)
    _assert_all_read(case)


@pytest.mark.ocr
def test_pdf_written_by_pillow(scans):
    case = scans["pillow.pdf"]
    assert case.data.count(b"65536") >= 1  # Pillow's non-strict xref entry is there
    _assert_all_read(case)


@pytest.mark.ocr
def test_one_unreadable_page_is_a_problem_not_an_error(scans):
    """A two-page TIFF whose second page's data is broken: page 1 read, page 2 reported."""
    from PIL import Image

    good = Image.open(io.BytesIO(scans["scan.tif"].data))
    first = good.copy().convert("L")
    blank = Image.new("L", (600, 400), 255)
    out = io.BytesIO()
    first.save(out, "TIFF", save_all=True, append_images=[blank], compression="tiff_adobe_deflate", dpi=(200, 200))
    data = bytearray(out.getvalue())
    tif = Image.open(io.BytesIO(bytes(data)))
    tif.seek(1)
    offset, count = tif.tag_v2[273][0], tif.tag_v2[279][0]
    data[offset : offset + count] = b"\xde\xad" * (count // 2) + b"\x00" * (count % 2)
    result = extract_document(bytes(data), "image/tiff")
    assert [p.number for p in result.pages] == [1, 2]
    assert result.pages[0].error is None and result.pages[1].error
    assert [(p.code, p.page) for p in result.problems] == [("unreadable_attachment", 2)]
    assert "trang 2" in result.problems[0].message
    expected = [w.si_number for w in scans["scan.tif"].doc.workers[:4]]
    assert [w.si_number for w in result.workers] == expected


@pytest.mark.parametrize("rows", [1, 2, 3, 5])
def test_text_layer_lists_of_any_length(rows):
    # regression: a list with a single row lost the first word of the name (to the STT column)
    import random

    from tests.scans import generate as gen

    rng = random.Random(7000 + rows)
    for _ in range(4):
        doc = gen.make_document(rng, rows=rows)
        result = extract_document(gen.render_pdf(doc), "application/pdf", "worker_list.pdf")
        assert _table(result.workers) == _table(doc.workers)


@pytest.mark.ocr
def test_cell_reader_started_ahead_reads_like_tesseract():
    from PIL import Image, ImageDraw, ImageFont

    from chalicelib.extraction.ocr import CellReader, reread
    from tests.scans.generate import FONT_DIRS

    font = next(
        ImageFont.truetype(f"{d}/DejaVuSans.ttf", 42)
        for d in FONT_DIRS
        if __import__("os").path.exists(f"{d}/DejaVuSans.ttf")
    )
    img = Image.new("L", (900, 200), 230)
    draw = ImageDraw.Draw(img)
    draw.text((20, 20), "7831327776", fill=40, font=font)
    draw.text((20, 110), "Nguyễn Văn An", fill=40, font=font)
    boxes = [(20, 25, 300, 70), (20, 115, 340, 165)]
    reader = CellReader(300)
    try:
        ahead = reread(img, boxes, 300, reader=reader)
    finally:
        reader.close()
    reader.close()  # closing twice, or an unused reader, is harmless
    CellReader(300).close()
    assert [t for t, _ in ahead] == [t for t, _ in reread(img, boxes, 300)] == ["7831327776", "Nguyễn Văn An"]
