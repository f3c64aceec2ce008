"""Findings: every problem found in a dossier, in words a clerk can forward as is.

A correction request (Mẫu 02) lists every finding at once, so the applicant never comes back twice
for one dossier; the codes are the machine-readable part the portal and the console act on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["BLOCKING", "FIELD_LABELS", "FIXABLE", "REFUSING", "Finding", "FindingCode"]

FindingCode = Literal[
    "unknown_unit",
    "unit_tax_mismatch",
    "unknown_si_number",
    "identity_mismatch",
    "not_in_unit",
    "not_participating",
    "duplicate_claim",
    "period_out_of_range",
    "scan_mismatch",
    "unreadable_attachment",
    "missing_attachment",
    "signature_missing",
    "signature_invalid",
    "signature_not_applicant",
    "entitled_to_benefit",
    "unit_condition_not_met",
]

FIXABLE: frozenset[str] = frozenset(
    {
        "unknown_unit",
        "unit_tax_mismatch",
        "unknown_si_number",
        "identity_mismatch",
        "scan_mismatch",
        "unreadable_attachment",
        "missing_attachment",
        "signature_missing",
        "signature_invalid",
        "signature_not_applicant",
        "period_out_of_range",
    }
)
"""Problems the applicant can correct: they lead to a correction request, not a refusal."""

BLOCKING: frozenset[str] = frozenset({"not_in_unit", "not_participating", "duplicate_claim", "entitled_to_benefit"})
"""Problems that make a worker ineligible; a dossier whose every worker has one is refused
(`entitled_to_benefit`: a terminated worker entitled to unemployment benefit gets that instead)."""

REFUSING: frozenset[str] = frozenset({"unit_condition_not_met"})
"""Problems of the applicant itself that no correction fixes: the dossier is refused (a unit that
does not meet its procedure's unit-level condition, e.g. the share of workers off for a pension pause)."""

FIELD_LABELS: dict[str, str] = {
    "full_name": "Họ và tên",
    "si_number": "Mã số BHXH",
    "date_of_birth": "Ngày, tháng, năm sinh",
    "id_number": "Số CCCD/CMND",
    "period_from": "Thời gian đề nghị hỗ trợ: từ ngày",
    "period_to": "Thời gian đề nghị hỗ trợ: đến ngày",
    "workers": "Danh sách người lao động",
    "applicant.unit_code": "Mã đơn vị",
    "applicant.tax_code": "Mã số thuế",
    "attachments": "Thành phần hồ sơ",
}
"""How a slip names the `field` of a finding: the applicant's words, never the field's code."""


class Finding(BaseModel):
    """One problem, with where it is (`field`, `row` counted from 1) and how to fix it."""

    model_config = ConfigDict(frozen=True)

    code: FindingCode
    field: str | None = None
    row: int | None = None
    message: str
    """Vietnamese, ready to send to the applicant."""
    suggestion: str | None = None
