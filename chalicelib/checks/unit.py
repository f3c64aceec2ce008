"""The applying unit (đơn vị) exists in the registry and its tax code is the one registered."""

from __future__ import annotations

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.findings import Finding
from chalicelib.domain.registry import Unit

__all__ = ["check_unit"]


def check_unit(applicant: Applicant, unit: Unit | None) -> list[Finding]:
    if not applicant.unit_code:
        return [
            Finding(code="unknown_unit", field="applicant.unit_code", message="Hồ sơ chưa ghi mã đơn vị tham gia BHXH.")
        ]
    if unit is None:
        return [
            Finding(
                code="unknown_unit",
                field="applicant.unit_code",
                message=f"Mã đơn vị {applicant.unit_code} không có trong cơ sở dữ liệu của cơ quan bảo hiểm xã hội.",
            )
        ]
    if applicant.tax_code and applicant.tax_code.split("-")[0] != unit.tax_code.split("-")[0]:
        return [
            Finding(
                code="unit_tax_mismatch",
                field="applicant.tax_code",
                message=f"Mã số thuế {applicant.tax_code} không khớp với mã đơn vị {unit.unit_code} ({unit.unit_name}).",
                suggestion=unit.tax_code,
            )
        ]
    return []
