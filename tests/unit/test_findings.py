"""Every finding carries its words in Vietnamese and English, declared once in
`chalicelib.domain.findings`: a code without English, or English that is the Vietnamese copied,
fails here before an English reader meets it."""

from __future__ import annotations

import string
from typing import get_args

from chalicelib.domain.findings import CODES, MESSAGES, Finding, FindingCode, finding


def _placeholders(template: str) -> set[str]:
    return {name.lower() for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_finding_code_has_a_vietnamese_and_a_different_english_text() -> None:
    declared = set(get_args(FindingCode))
    assert set(CODES) == declared
    for code in declared:
        vi, en = CODES[code]
        assert vi.strip() and en.strip() and vi != en, code


def test_every_wording_of_a_finding_is_in_both_languages_with_the_same_values() -> None:
    used = {m.code for m in MESSAGES.values()}
    assert used == set(get_args(FindingCode)), "a code no check can give, or a wording of an unknown code"
    for key, message in MESSAGES.items():
        assert message.vi.strip() and message.en.strip() and message.vi != message.en, key
        assert _placeholders(message.vi) == _placeholders(message.en), key


def test_a_finding_fills_both_languages_and_values_given_per_language() -> None:
    made = finding(
        "period.min_consecutive_days",
        field="period_to",
        row=3,
        name="Nguyễn Văn An",
        what=("ngừng việc", "work stoppage"),
        days=10,
        need=15,
        basis="QĐ 23/2021",
    )
    assert made.code == "period_out_of_range" and made.row == 3
    assert made.message.startswith("Thời gian ngừng việc của người lao động Nguyễn Văn An (dòng 3) là 10 ngày")
    assert made.message_en.startswith("The work stoppage period of worker Nguyễn Văn An (row 3) is 10 days")


def test_a_finding_recorded_before_english_reads_with_its_codes_english() -> None:
    old = Finding.model_validate({"code": "missing_attachment", "message": "Hồ sơ thiếu thành phần «X»."})
    assert old.message_en == CODES["missing_attachment"][1]
