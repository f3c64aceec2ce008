"""Table layout, classification, package hygiene (no OCR)."""
from __future__ import annotations

import math
import subprocess
import sys

from chalicelib.extraction.classify import classify
from chalicelib.extraction.tables import Word, find_header, group_lines, parse_table

COLS = [("STT", 40), ("Họ và tên", 260), ("Mã số BHXH", 620), ("Ngày sinh", 860), ("Số CCCD/CMND", 1080),
        ("Từ ngày", 1320), ("Đến ngày", 1520)]


def _words(rows, skew_deg=0.0):
    """Word boxes of a table as Tesseract would give them, the page tilted by `skew_deg`."""
    slope = math.tan(math.radians(skew_deg))
    out = []
    for r, cells in enumerate(rows):
        y = 100 + r * 60
        for (title, cx), text in zip(COLS, cells):
            parts = text.split()
            width = 20 * len(text)
            x = cx - width / 2 if title != "Họ và tên" else 170
            for part in parts:
                w = 20 * len(part)
                yy = y + x * slope
                out.append(Word(part, x, yy, x + w, yy + 32, 0.95, (r,)))
                x += w + 12
    return out


HEADER = [t for t, _ in COLS]
ROWS = [["1", "Nguyễn Văn An", "0123456789", "12/10/1985", "031085123456", "01/04/2020", "31/05/2020"],
        ["2", "Trần Thị Bích Ngọc", "0987654321", "01/01/1990", "123456789", "01/04/2020", "30/06/2020"],
        ["3", "Lê Hữu Đức", "1111111111", "29/02/1992", "001092000001", "15/04/2020", "15/05/2020"]]


def test_rows_are_recovered_by_layout_even_tilted():
    for skew in (0.0, 1.5, -2.0):
        words = _words([HEADER] + ROWS, skew)
        lines = group_lines(words, skew)
        header = find_header(lines)
        assert header is not None
        rows, columns = parse_table(lines, header)
        assert [r.cells["si_number"] for r in rows] == [r[2] for r in ROWS]
        assert [r.cells["full_name"] for r in rows] == [r[1] for r in ROWS]
        assert [r.cells["period_to"] for r in rows] == [r[6] for r in ROWS]


def test_header_titles_are_matched_fuzzily():
    garbled = ["STT", "Ho va tén", "Mã sô BHXH", "Ngay sinh", "Số CCCD/CMNĐ", "Tu ngày", "Đến ngầy"]
    lines = group_lines(_words([garbled] + ROWS))
    header = find_header(lines)
    assert header is not None
    assert {"full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to"} <= set(header[1])


def test_no_table_no_rows():
    words = [Word("Kính", 10, 10, 80, 40), Word("gửi:", 90, 10, 150, 40), Word("Bảo", 160, 10, 220, 40)]
    lines = group_lines(words)
    assert find_header(lines) is None
    assert parse_table(lines, None) == ([], [])


def test_classify():
    assert classify("DANH SÁCH NGƯỜI LAO ĐỘNG TẠM HOÃN ...", has_worker_table=True) == "worker_list"
    assert classify("Mẫu số 01\nGIẤY ĐỀ NGHỊ HỖ TRỢ NGƯỜI LAO ĐỘNG TẠM HOÃN THỰC HIỆN HỢP ĐỒNG\nKính gửi: "
                    "Ủy ban nhân dân tỉnh") == "request_form"
    assert classify("VĂN BẢN THỎA THUẬN TẠM HOÃN THỰC HIỆN HỢP ĐỒNG LAO ĐỘNG\nBên A: Công ty ...\n"
                    "Bên B: Ông Nguyễn Văn An") == "suspension_agreement"
    assert classify("HÓA ĐƠN GIÁ TRỊ GIA TĂNG\nTổng cộng tiền thanh toán") == "other"
    # OCR slips in the title do not change the answer
    assert classify("VĂN BẢN THOA THUÂN TẠM HOÀN thực hiện hợp đồng\nBên A") == "suspension_agreement"


def test_importing_the_package_is_cheap():
    code = ("import sys, chalicelib.extraction as e; "
            "heavy = [m for m in ('PIL', 'pypdf', 'pypdfium2', 'pytesseract', 'rapidfuzz', 'reportlab') "
            "if m in sys.modules]; print(','.join(heavy)); assert not heavy, heavy; "
            "assert callable(e.extract_document) and 'ExtractionError' in e.__all__")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
