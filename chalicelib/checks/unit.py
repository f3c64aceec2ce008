"""The applying unit (đơn vị) exists in the registry and its tax code is the one registered."""

from __future__ import annotations

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.findings import Finding, finding
from chalicelib.domain.registry import Unit

__all__ = ["check_unit"]


def check_unit(applicant: Applicant, unit: Unit | None) -> list[Finding]:
    if not applicant.unit_code:
        return [finding("unit.no_code", field="applicant.unit_code")]
    if unit is None:
        return [finding("unit.unknown", field="applicant.unit_code", unit=applicant.unit_code)]
    if applicant.tax_code and applicant.tax_code.split("-")[0] != unit.tax_code.split("-")[0]:
        return [
            finding(
                "unit.tax_mismatch",
                field="applicant.tax_code",
                suggestion=unit.tax_code,
                tax_code=applicant.tax_code,
                unit=unit.unit_code,
                unit_name=unit.unit_name,
            )
        ]
    return []
