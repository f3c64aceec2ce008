"""The applying unit (đơn vị) exists in the registry and its tax code is the one registered, and
its declared industry is one its procedure is open to."""

from __future__ import annotations

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.findings import Finding, finding
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.registry import Unit

__all__ = ["check_industry", "check_unit"]


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


def check_industry(applicant: Applicant, rules: Procedure) -> list[Finding]:
    """The employer's declared industry against the industries its procedure is open to
    (`rules.industries` of the data file, e.g. the recovery wage loan's first industries)."""
    rule = rules.rules.industries
    if rule is None:
        return []
    allowed = ("; ".join(i.vi for i in rule.allowed), "; ".join(i.en for i in rule.allowed))
    title = (rules.title[:1].lower() + rules.title[1:], rules.title_en[:1].lower() + rules.title_en[1:])
    if not applicant.industry:
        return [
            finding(
                "unit.industry_missing",
                field="applicant.industry",
                title=title,
                allowed=allowed,
                basis=rules.basis.short,
            )
        ]
    if rule.named(applicant.industry) is None:
        return [
            finding(
                "unit.industry_not_eligible",
                field="applicant.industry",
                industry=applicant.industry,
                title=title,
                allowed=allowed,
                basis=rules.basis.short,
            )
        ]
    return []
