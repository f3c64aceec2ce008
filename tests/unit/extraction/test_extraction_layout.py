"""Table layout, classification, package hygiene (no OCR)."""

from __future__ import annotations

import math
import subprocess
import sys

from chalicelib.extraction.classify import classify
from chalicelib.extraction.tables import Word, find_header, group_lines, parse_table

COLS = [
    ("STT", 40),
    ("Họ và tên", 260),
    ("Mã số BHXH", 620),
    ("Ngày sinh", 860),
    ("Số CCCD/CMND", 1080),
    ("Từ ngày", 1320),
    ("Đến ngày", 1520),
]


def _words(rows, skew_deg=0.0):
    """Word boxes of a table as Tesseract would give them, the page tilted by `skew_deg`."""
    slope = math.tan(math.radians(skew_deg))
    out = []
    for r, cells in enumerate(rows):
        y = 100 + r * 60
        for (title, cx), text in zip(COLS, cells, strict=False):
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
ROWS = [
    ["1", "Nguyễn Văn An", "0123456789", "12/10/1985", "031085123456", "01/04/2020", "31/05/2020"],
    ["2", "Trần Thị Bích Ngọc", "0987654321", "01/01/1990", "123456789", "01/04/2020", "30/06/2020"],
    ["3", "Lê Hữu Đức", "1111111111", "29/02/1992", "001092000001", "15/04/2020", "15/05/2020"],
]


def test_rows_are_recovered_by_layout_even_tilted():
    for skew in (0.0, 1.5, -2.0):
        words = _words([HEADER, *ROWS], skew)
        lines = group_lines(words, skew)
        header = find_header(lines)
        assert header is not None
        rows, _columns = parse_table(lines, header)
        assert [r.cells["si_number"] for r in rows] == [r[2] for r in ROWS]
        assert [r.cells["full_name"] for r in rows] == [r[1] for r in ROWS]
        assert [r.cells["period_to"] for r in rows] == [r[6] for r in ROWS]


def test_header_titles_are_matched_fuzzily():
    garbled = ["STT", "Ho va tén", "Mã sô BHXH", "Ngay sinh", "Số CCCD/CMNĐ", "Tu ngày", "Đến ngầy"]
    lines = group_lines(_words([garbled, *ROWS]))
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
    assert (
        classify(
            "Mẫu số 01\nGIẤY ĐỀ NGHỊ HỖ TRỢ NGƯỜI LAO ĐỘNG TẠM HOÃN THỰC HIỆN HỢP ĐỒNG\nKính gửi: Ủy ban nhân dân tỉnh"
        )
        == "request_form"
    )
    assert (
        classify(
            "VĂN BẢN THỎA THUẬN TẠM HOÃN THỰC HIỆN HỢP ĐỒNG LAO ĐỘNG\nBên A: Công ty ...\nBên B: Ông Nguyễn Văn An"
        )
        == "suspension_agreement"
    )
    assert classify("HÓA ĐƠN GIÁ TRỊ GIA TĂNG\nTổng cộng tiền thanh toán") == "other"
    # OCR slips in the title do not change the answer
    assert classify("VĂN BẢN THOA THUÂN TẠM HOÀN thực hiện hợp đồng\nBên A") == "suspension_agreement"


def test_importing_the_package_is_cheap():
    code = (
        "import sys, chalicelib.extraction as e; "
        "heavy = [m for m in ('PIL', 'pypdf', 'pypdfium2', 'pytesseract', 'rapidfuzz', 'reportlab') "
        "if m in sys.modules]; print(','.join(heavy)); assert not heavy, heavy; "
        "assert callable(e.extract_document) and 'ExtractionError' in e.__all__"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout


# Boxes as a PDF text layer gives them: the words of a name a few points apart, the STT digit
# centred in a narrow cell, the name left-aligned in its cell and ending short of its centred title.
_PDF_HEADER = [
    ("STT", 66, 82),
    ("Họ", 161, 172),
    ("và", 177, 188),
    ("tên", 194, 210),
    ("Mã", 299, 310),
    ("số", 315, 326),
    ("BHXH", 332, 354),
    ("Ngày", 400, 422),
    ("sinh", 427, 449),
    ("Số", 495, 506),
    ("CCCD/CMND", 512, 561),
    ("Từ", 625, 636),
    ("ngày", 642, 664),
    ("Đến", 711, 728),
    ("ngày", 733, 755),
]
_PDF_ROWS = [
    [
        ("1", 72.6, 78.38),
        ("Nguyễn", 97.94, 132.59),
        ("Văn", 138.37, 155.69),
        ("An", 161.47, 173.02),
        ("4626764237", 300, 357),
        ("12/10/1985", 398, 455),
        ("031085123456", 498, 567),
        ("01/04/2020", 618, 675),
        ("31/05/2020", 708, 765),
    ],
    [
        ("2", 73, 78),
        ("Lê", 98, 110),
        ("Thị", 115, 131),
        ("Bích", 136, 158),
        ("Ngọc", 163, 186),
        ("0987654321", 300, 357),
        ("01/01/1990", 398, 455),
        ("123456789", 506, 558),
        ("01/04/2020", 618, 675),
        ("30/06/2020", 708, 765),
    ],
    [
        ("3", 73, 78),
        ("Võ", 98, 110),
        ("Hòa", 115, 133),
        ("1111111111", 300, 357),
        ("29/02/1992", 398, 455),
        ("001092000001", 498, 567),
        ("15/04/2020", 618, 675),
        ("15/05/2020", 708, 765),
    ],
]
# the signature block under the table spans the two period columns
_PDF_FOOTER = [
    [
        ("Người", 634, 662),
        ("đại", 667, 684),
        ("diện", 689, 711),
        ("theo", 717, 739),
        ("pháp", 744, 766),
        ("luật", 772, 794),
    ],
    [("(Ký,", 619, 641), ("ghi", 646, 663), ("rõ", 668, 679), ("họ", 685, 696), ("tên,", 701, 723)],
]


def _pdf_words(lines):
    # 10.5-point data (boxes 9.975 high), 10-point header and footer (9.5 high)
    return [
        Word(t, x0, 100 + 24 * i, x1, 100 + 24 * i + (9.975 if line[0][0].isdigit() else 9.5), 1.0, (i,))
        for i, line in enumerate(lines)
        for t, x0, x1 in line
    ]


def test_columns_do_not_depend_on_the_number_of_rows():
    # regression: with a single row the first word of the name went to the STT column
    for n in (1, 2, 3):
        for footer in ([], _PDF_FOOTER):
            lines = group_lines(_pdf_words([_PDF_HEADER, *_PDF_ROWS[:n], *footer]))
            rows, columns = parse_table(lines, find_header(lines))
            assert [r.cells["full_name"] for r in rows] == ["Nguyễn Văn An", "Lê Thị Bích Ngọc", "Võ Hòa"][:n]
            assert [r.cells["stt"] for r in rows] == ["1", "2", "3"][:n]
            assert [r.cells["period_from"] for r in rows] == ["01/04/2020", "01/04/2020", "15/04/2020"][:n]
            assert [r.cells["period_to"] for r in rows] == ["31/05/2020", "30/06/2020", "15/05/2020"][:n]
            assert [c.name for c in columns] == [
                "stt",
                "full_name",
                "si_number",
                "date_of_birth",
                "id_number",
                "period_from",
                "period_to",
            ]


def test_a_title_with_a_garbled_last_word_is_still_found():
    # "Đến ngày" read as "Đến ni" on a scan: the period_to column was lost for the whole page
    garbled = ["STT", "Họ và tên", "Mã số BHXH", "Ngày sinh", "Số CCCD/CMND", "Từ ngày", "Đến ni"]
    lines = group_lines(_words([garbled, *ROWS]))
    header = find_header(lines)
    assert header is not None and "period_to" in header[1]
    rows, _ = parse_table(lines, header)
    assert [r.cells["period_to"] for r in rows] == [r[6] for r in ROWS]


def test_readings_that_disagree_lower_confidence_and_never_guess():
    from chalicelib.extraction import fields as F
    from chalicelib.extraction.extract import _merge, _vote

    first, same = F.parse_si_number("0123456789", 0.8), F.parse_si_number("0123456789", 0.93)
    merged, settled = _merge(first, same)
    assert settled and merged.value == "0123456789" and merged.confidence == 0.93
    # a garbled first reading, a confident clean second one: settled on the second
    merged, settled = _merge(F.parse_si_number("7/6)511L5)2", 0.0), F.parse_si_number("7831327776", 0.95))
    assert settled and merged.value == "7831327776" and merged.confidence > 0.85
    # two well-shaped readings of different values: not settled, confidence halved at least
    other = F.parse_si_number("0123456780", 0.9)
    merged, settled = _merge(first, other)
    assert not settled and merged.confidence <= 0.45 and merged.verdict == "readings_disagree"
    # a third reading: the majority wins, with less confidence than a unanimous reading
    voted = _vote([first, other, F.parse_si_number("0123456789", 0.9)])
    assert voted.value == "0123456789" and 0.5 < voted.confidence < 0.9
    assert _vote([first, same, F.parse_si_number("0123456789", 0.7)]).confidence >= 0.9
    # no majority: kept as the most confident reading, but with a low confidence
    split = _vote([first, other, F.parse_si_number("5123456789", 0.85)])
    assert split.confidence < 0.4 and split.verdict == "readings_disagree"
    # nothing of the right shape: returned as read, low
    assert _vote([F.parse_si_number("12345", 0.9)] * 3).confidence < 0.2
    # one reading of the right shape, the readings of its crop garbled (cut at a photo's edge): nothing
    # says it is wrong, so it keeps (nearly) its own confidence and is compared with the typed list
    first = F.parse_date("16.06.2020", 0.95)
    kept = _vote([first, F.parse_date("16.06.202", 0.0), F.parse_date("6.06.20201", 0.0)])
    assert kept.value == "2020-06-16" and kept.confidence >= 0.85 * first.confidence
    # but a garbled reading that still has a value (a wrong length) is evidence: no majority, low
    assert _vote([F.parse_si_number("0123456789", 0.9), F.parse_si_number("12345", 0.9)] * 1).confidence < 0.5


def test_cells_are_binarized_at_their_own_threshold():
    from PIL import Image, ImageDraw

    from chalicelib.extraction.ocr import binarize, otsu_threshold

    img = Image.new("L", (120, 40), 215)  # grey paper, grey ink
    ImageDraw.Draw(img).rectangle((10, 10, 60, 30), fill=60)
    assert 60 <= otsu_threshold(img) < 215
    out = binarize(img)
    assert out.getpixel((5, 5)) == 255 and out.getpixel((20, 20)) == 0
