"""Each worker against the registry and the procedure's rules.

Which conditions apply is the procedure's data (`chalicelib/procedures/<basis>/<code>.toml`): for a
suspension that starts in month M, the worker must have been in compulsory insurance, in the
applying unit, in month M-1; a 2021 suspension must last 15 consecutive days; a worker stopped for
the 2021 support, 14 working days in a month; a terminated worker must have taken part in
unemployment insurance and not be entitled to its benefit; a pension pause has a unit-level share.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.checks.text import dmy, month_vi
from chalicelib.domain.dossier import Worker
from chalicelib.domain.findings import Finding, Param, finding
from chalicelib.domain.names import normalise_name
from chalicelib.domain.procedures import VERSIONS, Procedure
from chalicelib.domain.registry import Participant, month_of
from chalicelib.domain.workdays import WorkingCalendar

__all__ = [
    "check_period",
    "check_unemployment",
    "check_unit_share",
    "check_worker",
    "month_before",
    "months",
    "whole_months",
]


def months(start: date, end: date) -> list[str]:
    """Every month `YYYY-MM` from `start` to `end`, both included."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_before(day: date) -> str:
    return f"{day.year - 1:04d}-12" if day.month == 1 else f"{day.year:04d}-{day.month - 1:02d}"


def _add_months(day: date, count: int) -> date:
    year, month = divmod(day.month - 1 + count, 12)
    year += day.year
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def whole_months(start: date, end: date) -> int:
    """Whole consecutive months from `start` to `end` included: 1 April–30 April is one month,
    15 April–14 May one, 15 April–10 May none."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    while count > 0 and _add_months(start, count) - timedelta(days=1) > end:
        count -= 1
    return count


def _windows_of(code: str) -> str:
    """Every basis's window of a procedure, as a finding cites them."""
    return "; ".join(f"{v.basis.short}: {dmy(v.window_from)} – {dmy(v.window_to)}" for v in VERSIONS.get(code, ()))


def _period(rules: Procedure) -> tuple[str, str]:
    """What the claimed period is, in both languages ("ngừng việc", "work stoppage")."""
    return rules.wording.period_vi, rules.wording.period_en


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _most_working_days_in_a_month(start: date, end: date, cal: WorkingCalendar) -> int:
    """The most working days the period holds within one calendar month."""
    best, day = 0, _month_start(start)
    while day <= end:
        nxt = _add_months(day, 1)
        first, last = max(day, start), min(nxt - timedelta(days=1), end)
        best = max(
            best, sum(1 for k in range((last - first).days + 1) if cal.is_working_day(first + timedelta(days=k)))
        )
        day = nxt
    return best


def check_period(worker: Worker, row: int, rules: Procedure, cal: WorkingCalendar | None = None) -> list[Finding]:
    """The worker's claimed period against the window and the duration conditions of `rules` (the
    version of the basis in force for the dossier's period)."""
    name, what, basis = worker.full_name, _period(rules), rules.basis.short
    if worker.period_from < rules.window_from or worker.period_to > rules.window_to:
        covered = [
            v for v in VERSIONS.get(rules.code, ()) if v.covers(worker.period_from) and v.covers(worker.period_to)
        ]
        span: dict[str, Param] = {
            "name": name,
            "what": what,
            "start": dmy(worker.period_from),
            "end": dmy(worker.period_to),
        }
        early = worker.period_from < rules.window_from
        field, suggestion = (
            ("period_from", dmy(max(worker.period_from, rules.window_from)))
            if early
            else ("period_to", dmy(rules.window_to))
        )
        if covered:
            return [
                finding(
                    "period.other_basis",
                    field=field,
                    row=row,
                    suggestion=suggestion,
                    basis=covered[0].basis.short,
                    own=basis,
                    **span,
                )
            ]
        return [
            finding(
                "period.outside_every_basis",
                field=field,
                row=row,
                suggestion=suggestion,
                windows=_windows_of(rules.code),
                **span,
            )
        ]
    found: list[Finding] = []
    if rules.rules.min_months and whole_months(worker.period_from, worker.period_to) < rules.min_months:
        found.append(
            finding(
                "period.min_months",
                field="period_to",
                row=row,
                name=name,
                what=what,
                months=f"{rules.min_months:02d}",
                basis=basis,
            )
        )
    days = (worker.period_to - worker.period_from).days + 1
    if rules.rules.min_consecutive_days and days < rules.rules.min_consecutive_days.value:
        found.append(
            finding(
                "period.min_consecutive_days",
                field="period_to",
                row=row,
                name=name,
                what=what,
                days=days,
                need=rules.rules.min_consecutive_days.value,
                basis=basis,
            )
        )
    need = rules.rules.min_working_days_in_month
    if need:
        most = _most_working_days_in_a_month(worker.period_from, worker.period_to, cal or WorkingCalendar())
        if most < need.value:
            found.append(
                finding(
                    "period.min_working_days_in_month",
                    field="period_to",
                    row=row,
                    name=name,
                    what=what,
                    most=most,
                    need=need.value,
                    basis=basis,
                )
            )
    return found


def _months_before(day: date, count: int) -> list[str]:
    """The `count` months right before the month of `day`, oldest first."""
    first = _add_months(_month_start(day), -count)
    return months(first, _month_start(day) - timedelta(days=1))


def check_unemployment(worker: Worker, row: int, participant: Participant, rules: Procedure) -> list[Finding]:
    """A terminated worker: took part in unemployment insurance and is not entitled to its benefit
    (what BHXH confirms for `terminated_no_benefit`). The termination is the period's first day."""
    rule = rules.rules.unemployment
    if rule is None:
        return []
    name, ended = worker.full_name, worker.period_from
    if not participant.has_ui_records:
        return [finding("unemployment.no_records", field="si_number", row=row, name=name)]
    if participant.ui_benefit_from and participant.ui_benefit_from >= month_before(ended):
        return [
            finding(
                "unemployment.benefit_decided",
                field="si_number",
                row=row,
                name=name,
                month=month_vi(participant.ui_benefit_from),
            )
        ]
    window = _months_before(ended, rule.within_months)
    paid = participant.ui_months(window)
    if paid == 0:
        return [
            finding(
                "unemployment.not_paid",
                field="si_number",
                row=row,
                name=name,
                within=rule.within_months,
                ended=dmy(ended),
            )
        ]
    if paid >= rule.entitled_months:
        return [
            finding(
                "unemployment.entitled",
                field="si_number",
                row=row,
                name=name,
                paid=paid,
                within=rule.within_months,
                ended=dmy(ended),
            )
        ]
    return []


def check_worker(
    worker: Worker,
    row: int,
    unit_code: str | None,
    participant: Participant | None,
    rules: Procedure,
    cal: WorkingCalendar | None = None,
) -> list[Finding]:
    """Findings of one worker; `participant` is the registry's record of their SI number, if any."""
    findings = check_period(worker, row, rules, cal)
    if participant is None:
        return [
            *findings,
            finding(
                "worker.unknown_si_number",
                field="si_number",
                row=row,
                si_number=worker.si_number,
                name=worker.full_name,
            ),
        ]
    if normalise_name(worker.full_name) != normalise_name(participant.full_name):
        findings.append(
            finding(
                "worker.name_differs",
                field="full_name",
                row=row,
                suggestion=participant.full_name,
                si_number=worker.si_number,
                name=worker.full_name,
            )
        )
    if worker.date_of_birth.isoformat() != participant.date_of_birth:
        findings.append(
            finding(
                "worker.birth_differs",
                field="date_of_birth",
                row=row,
                suggestion=dmy(participant.date_of_birth),
                name=worker.full_name,
                born=dmy(worker.date_of_birth),
            )
        )
    if worker.id_number and participant.id_number and worker.id_number != participant.id_number:
        findings.append(
            finding(
                "worker.id_differs", field="id_number", row=row, suggestion=participant.id_number, name=worker.full_name
            )
        )
    findings += check_unemployment(worker, row, participant, rules)
    rule = rules.rules.participation
    if rule is None:
        return findings
    month = month_before(worker.period_from) if rule.month == "before_period" else month_of(worker.period_from)
    when = (
        (
            f"tháng liền kề trước thời điểm {rules.wording.period_vi}",
            f"the month right before the {rules.wording.period_en}",
        )
        if rule.month == "before_period"
        else ("tháng đề nghị", "the month the claim starts")
    )
    if not participant.participated_in(month):
        findings.append(
            finding(
                "worker.not_participating",
                field="si_number",
                row=row,
                name=worker.full_name,
                month=month_vi(month),
                when=when,
            )
        )
    elif rule.in_unit and unit_code and participant.unit_in(month) != unit_code:
        findings.append(
            finding(
                "worker.not_in_unit",
                field="si_number",
                row=row,
                name=worker.full_name,
                unit=unit_code,
                month=month_vi(month),
            )
        )
    return findings


def check_unit_share(listed: int, insured: int, rules: Procedure) -> list[Finding]:
    """The unit-level condition (a pension pause): the workers listed against the unit's insured workers."""
    rule = rules.rules.unit_share
    if rule is None or insured == 0:
        return []
    if listed / insured >= rule.min_share:
        return []
    return [
        finding(
            "unit.share",
            field="workers",
            listed=listed,
            insured=insured,
            percent=listed * 100 // insured,
            need=f"{rule.min_share:.0%}",
            title=_lower_title(rules),
            basis=rules.basis.short,
        )
    ]


def _lower_title(rules: Procedure) -> tuple[str, str]:
    """The procedure's title as words inside a sentence ("tạm dừng đóng ...", "the pause of ...")."""
    return rules.title[:1].lower() + rules.title[1:], rules.title_en[:1].lower() + rules.title_en[1:]
