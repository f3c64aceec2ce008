"""Field shapes and OCR-slip repairs (no OCR)."""

from __future__ import annotations

import unicodedata

import pytest

from chalicelib.extraction import fields as F


def _weighted_check(first9: str) -> int:
    # the rule written out independently: 10 - (31a+29b+23c+19d+17e+13f+7g+5h+3i) mod 11
    w = [31, 29, 23, 19, 17, 13, 7, 5, 3]
    return 10 - sum(int(d) * k for d, k in zip(first9, w, strict=False)) % 11


def test_tax_check_digit_known_code():
    # 0*31+1*29+0+0+1*17+0+9*7+1*5+0 = 114; 114 mod 11 = 4; 10 - 4 = 6
    assert F.tax_check_digit("010010910") == 6
    assert F.tax_code_valid("0100109106")
    assert F.tax_code_valid("0100109106-001")
    assert not F.tax_code_valid("0100109107")


@pytest.mark.parametrize("first9", ["010010910", "031234567", "570000001", "999999999", "123456789"])
def test_tax_check_digit_matches_the_rule(first9):
    expected = _weighted_check(first9)
    assert F.tax_check_digit(first9) == (None if expected == 10 else expected)


def test_tax_code_parse():
    ok = F.parse_tax_code("0100109106", 0.95)
    assert ok.value == "0100109106" and ok.confidence == pytest.approx(0.95)
    branch = F.parse_tax_code("0100109106 - 001")
    assert branch.value == "0100109106-001"
    bad = F.parse_tax_code("0100109107", 0.95)
    assert bad.value == "0100109107" and bad.confidence < 0.3 and bad.verdict == "check_digit_mismatch" and bad.bad
    # O read for 0: repaired, a little less sure
    repaired = F.parse_tax_code("O1OO1O91O6", 1.0)
    assert repaired.value == "0100109106" and 0.3 < repaired.confidence < 1.0


def test_tax_code_doubtful_letter_resolved_only_by_the_check_digit():
    # 'B' could be 8 or 3: here only one of them makes a valid code
    code = "0100109106"
    variants = {d: code[:4] + d + code[5:] for d in "38"}
    assert [F.tax_code_valid(v) for v in variants.values()].count(True) <= 1
    read = F.parse_tax_code(code[:4] + "B" + code[5:])
    assert read.confidence < 0.5  # never as sure as a clean read


@pytest.mark.parametrize(
    "raw,value",
    [
        ("6392586597", "6392586597"),
        ("63925865O7", "6392586507"),
        ("6392S86597", "6392586597"),
        ("l392586597", "1392586597"),
        ("6392 586 597", "6392586597"),
        ("|392586597", "1392586597"),
    ],
)
def test_si_number_sure_repairs(raw, value):
    fld = F.parse_si_number(raw, 0.96)
    assert fld.value == value
    if raw.replace(" ", "").isdigit():
        assert fld.confidence == pytest.approx(0.96)
    else:
        assert 0.7 < fld.confidence < 0.96


def test_si_number_doubtful_repair_lowers_confidence():
    fld = F.parse_si_number("63925B6597", 0.96)
    assert fld.value == "6392586597"
    assert fld.confidence <= 0.5


@pytest.mark.parametrize("raw", ["639258659", "63925865977", "639258/597", "63925x6597"])
def test_si_number_wrong_shape_is_kept_as_read_with_low_confidence(raw):
    fld = F.parse_si_number(raw, 0.96)
    assert fld.confidence < 0.25
    assert (fld.value is not None and len(fld.value) != 10) or not fld.value.isdigit()


def test_id_numbers():
    assert F.parse_id_number("031085123456").value == "031085123456"  # CCCD, 12 digits
    assert F.parse_id_number("12670451O").value == "126704510"  # CMND, 9 digits, O repaired
    assert F.parse_id_number("1267045101").confidence < 0.25  # 10 digits: neither
    assert F.parse_id_number("").value is None


@pytest.mark.parametrize(
    "raw,iso",
    [
        ("29/05/1975", "1975-05-29"),
        ("29-05-1975", "1975-05-29"),
        ("29.05.1975", "1975-05-29"),
        ("1/4/2020", "2020-04-01"),
        ("29/O5/l975", "1975-05-29"),
        ("29 / 05 / 1975", "1975-05-29"),
    ],
)
def test_dates(raw, iso):
    assert F.parse_date(raw, 0.9).value == iso


def test_dates_invalid_or_ambiguous():
    assert F.parse_date("31/02/2020").value is None
    assert F.parse_date("2905/1975").value is None  # a lost separator: not guessed
    assert F.parse_date("29/05/1975", 0.9).confidence == pytest.approx(0.9)
    assert F.parse_date("29/O5/1975", 0.9).confidence < 0.9


def test_names_nfc_and_spacing():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    fld = F.parse_name("  " + decomposed.replace(" ", "   ") + " |", 0.9)
    assert fld.value == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", fld.value)
    assert fld.confidence < 0.9  # junk was removed
    assert F.parse_name("trần văn bình").value == "Trần Văn Bình"
    assert F.parse_name("NGUYỄN VĂN AN").value == "NGUYỄN VĂN AN"


def test_unit_code():
    assert F.parse_unit_code("TA1234A").value == "TA1234A"
    fld = F.parse_unit_code("TA12S4O", 1.0)
    assert fld.value == "TA1254O" and fld.confidence < 1.0
    fld = F.parse_unit_code("T01234A", 1.0)
    assert fld.value == "TO1234A" and fld.confidence < 1.0
    assert F.parse_unit_code("ta 1234 a").value == "TA1234A"
