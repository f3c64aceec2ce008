"""Names and identifiers: pure, no AWS."""

from __future__ import annotations

import doctest
import unicodedata
from datetime import date

import pytest

from chalicelib.domain import identifiers, names
from chalicelib.domain.identifiers import (
    cccd_birth,
    cccd_matches_birth,
    is_valid_cccd,
    is_valid_cmnd,
    is_valid_id_number,
    is_valid_si_number,
    is_valid_tax_code,
    tax_code_check_digit,
)
from chalicelib.domain.names import identity_key, iso_date, normalise_name


@pytest.mark.parametrize("module", [names, identifiers])
def test_the_examples_in_the_docstrings_hold(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 5 and result.failed == 0


@pytest.mark.parametrize(
    "written",
    [
        "Nguyễn Văn Đức",
        "NGUYỄN VĂN ĐỨC",
        "nguyen van duc",
        "  Nguyễn   Văn\u00a0Đức ",
        unicodedata.normalize("NFD", "Nguyễn Văn Đức"),
        "Nguyê\u0303n Văn Đức",  # ê + combining tilde, as some keyboards send it
        "Nguyen Van Duc\n",
    ],
)
def test_every_spelling_of_one_name_folds_to_the_same_form(written: str) -> None:
    assert normalise_name(written) == "nguyen van duc"


def test_different_names_stay_different() -> None:
    assert normalise_name("Trần Thị Hà") != normalise_name("Trần Thị Hạnh")
    assert normalise_name("Lê Văn An") != normalise_name("Lê Văn Anh")


def test_identity_key_joins_the_name_and_the_iso_date_whatever_the_date_format() -> None:
    expected = "dang thi hong nhung#1990-03-02"
    assert identity_key("Đặng Thị Hồng Nhung", "1990-03-02") == expected
    assert identity_key("DANG THI HONG NHUNG", "02/03/1990") == expected
    assert identity_key("đặng  thị hồng nhung", date(1990, 3, 2)) == expected


@pytest.mark.parametrize(
    "bad", ["1990-02-30", "30/02/1990", "1990/03/02", "02-03-1990", "19900302", "", "2/3/90", "2021-W01-1"]
)
def test_impossible_or_ambiguous_dates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        iso_date(bad)


# -- tax codes ------------------------------------------------------------------------------------------
def test_real_tax_codes_pass_the_check_digit() -> None:
    # Vietnam Airlines, Vingroup, FPT: published codes
    for code in ("0100107518", "0101245486", "0101248141"):
        assert is_valid_tax_code(code), code


def test_one_changed_digit_fails_the_check() -> None:
    code = "0100107518"
    for position in range(10):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            changed = code[:position] + digit + code[position + 1 :]
            # a single substitution is always caught: the weights are all prime to 11
            assert not is_valid_tax_code(changed), changed


def test_a_prefix_whose_check_would_be_10_gives_no_valid_code() -> None:
    prefix = next(f"{n:09d}" for n in range(10**6, 10**7) if tax_code_check_digit(f"{n:09d}") is None)
    assert not any(is_valid_tax_code(prefix + d) for d in "0123456789")


def test_branch_codes_have_exactly_three_digits_after_the_dash() -> None:
    assert is_valid_tax_code("0100107518-001")
    assert not is_valid_tax_code("0100107518-1")
    assert not is_valid_tax_code("0100107518_001")
    assert not is_valid_tax_code("0100107517-001")


# -- SI numbers, CCCD, CMND ---------------------------------------------------------------------------
def test_si_numbers_are_exactly_ten_ascii_digits() -> None:
    assert is_valid_si_number("0123456789")
    assert not is_valid_si_number("123456789")  # a spreadsheet ate the leading zero
    assert not is_valid_si_number("0123 456789")
    assert not is_valid_si_number("٠١٢٣٤٥٦٧٨٩")  # Arabic-Indic digits are digits to Python, not to BHXH


def test_cccd_encodes_province_century_sex_and_year() -> None:
    assert cccd_birth("031085123456") == (1985, "male")
    assert cccd_birth("079185123456") == (1985, "female")
    assert cccd_birth("001203123456") == (2003, "male")
    assert cccd_birth("001303123456") == (2003, "female")
    assert cccd_matches_birth("031085123456", "1985-10-12")
    assert not cccd_matches_birth("031085123456", "2085-10-12")
    assert not cccd_matches_birth("031285123456", "1985-10-12")


@pytest.mark.parametrize(
    "number", ["003085123456", "099085123456", "031585123456", "03108512345", "0310851234567", "03108512345a"]
)
def test_malformed_cccds_are_refused(number: str) -> None:
    assert not is_valid_cccd(number)


def test_id_number_is_a_cccd_or_a_cmnd() -> None:
    assert is_valid_cmnd("031234567") and is_valid_id_number("031234567")
    assert is_valid_id_number("031085123456")
    assert not is_valid_id_number("0312345678")  # 10 digits: an SI number, not an ID
    assert not is_valid_id_number("")
