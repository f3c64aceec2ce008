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
from chalicelib.domain.findings import Finding
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
    name = worker.full_name
    what = rules.wording.period_vi
    if worker.period_from < rules.window_from or worker.period_to > rules.window_to:
        covered = [
            v for v in VERSIONS.get(rules.code, ()) if v.covers(worker.period_from) and v.covers(worker.period_to)
        ]
        where = (
            f"thuộc {covered[0].basis.short}, khác văn bản áp dụng cho hồ sơ ({rules.basis.short})"
            if covered
            else f"nằm ngoài thời gian được hỗ trợ của mọi văn bản ({_windows_of(rules.code)})"
        )
        return [
            Finding(
                code="period_out_of_range",
                field="period_from" if worker.period_from < rules.window_from else "period_to",
                row=row,
                message=(
                    f"Thời gian {what} của người lao động {name} (dòng {row}) từ {dmy(worker.period_from)} đến "
                    f"{dmy(worker.period_to)} {where}."
                ),
                suggestion=dmy(max(worker.period_from, rules.window_from))
                if worker.period_from < rules.window_from
                else dmy(rules.window_to),
            )
        ]
    found: list[Finding] = []
    if rules.rules.min_months and whole_months(worker.period_from, worker.period_to) < rules.min_months:
        found.append(
            Finding(
                code="period_out_of_range",
                field="period_to",
                row=row,
                message=(
                    f"Thời gian {what} của người lao động {name} (dòng {row}) phải từ "
                    f"{rules.min_months:02d} tháng liên tục trở lên ({rules.basis.short})."
                ),
            )
        )
    days = (worker.period_to - worker.period_from).days + 1
    if rules.rules.min_consecutive_days and days < rules.rules.min_consecutive_days.value:
        found.append(
            Finding(
                code="period_out_of_range",
                field="period_to",
                row=row,
                message=(
                    f"Thời gian {what} của người lao động {name} (dòng {row}) là {days} ngày, phải từ "
                    f"{rules.rules.min_consecutive_days.value} ngày liên tục trở lên ({rules.basis.short})."
                ),
            )
        )
    need = rules.rules.min_working_days_in_month
    if need:
        most = _most_working_days_in_a_month(worker.period_from, worker.period_to, cal or WorkingCalendar())
        if most < need.value:
            found.append(
                Finding(
                    code="period_out_of_range",
                    field="period_to",
                    row=row,
                    message=(
                        f"Người lao động {name} (dòng {row}) {what} {most} ngày làm việc trong tháng, phải từ "
                        f"{need.value} ngày làm việc trở lên trong một tháng ({rules.basis.short})."
                    ),
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
        return [
            Finding(
                code="not_participating",
                field="si_number",
                row=row,
                message=(
                    f"Cơ sở dữ liệu của cơ quan bảo hiểm xã hội chưa có quá trình tham gia bảo hiểm thất nghiệp của "
                    f"người lao động {name} (dòng {row}); chưa xác nhận được."
                ),
            )
        ]
    if participant.ui_benefit_from and participant.ui_benefit_from >= month_before(ended):
        return [
            Finding(
                code="entitled_to_benefit",
                field="si_number",
                row=row,
                message=(
                    f"Người lao động {name} (dòng {row}) đã có quyết định hưởng trợ cấp thất nghiệp từ tháng "
                    f"{month_vi(participant.ui_benefit_from)}, nên không thuộc đối tượng hỗ trợ người lao động chấm dứt "
                    "hợp đồng lao động không đủ điều kiện hưởng trợ cấp thất nghiệp."
                ),
            )
        ]
    window = _months_before(ended, rule.within_months)
    paid = participant.ui_months(window)
    if paid == 0:
        return [
            Finding(
                code="not_participating",
                field="si_number",
                row=row,
                message=(
                    f"Người lao động {name} (dòng {row}) không tham gia bảo hiểm thất nghiệp trong "
                    f"{rule.within_months} tháng trước khi chấm dứt hợp đồng lao động ({dmy(ended)})."
                ),
            )
        ]
    if paid >= rule.entitled_months:
        return [
            Finding(
                code="entitled_to_benefit",
                field="si_number",
                row=row,
                message=(
                    f"Người lao động {name} (dòng {row}) đã đóng bảo hiểm thất nghiệp {paid} tháng trong "
                    f"{rule.within_months} tháng trước khi chấm dứt hợp đồng lao động ({dmy(ended)}), đủ điều kiện "
                    "hưởng trợ cấp thất nghiệp: đề nghị hưởng trợ cấp thất nghiệp tại Trung tâm dịch vụ việc làm, "
                    "không thuộc đối tượng của thủ tục này."
                ),
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
            Finding(
                code="unknown_si_number",
                field="si_number",
                row=row,
                message=f"Mã số BHXH {worker.si_number} của người lao động {worker.full_name} (dòng {row}) không có trong cơ sở dữ liệu của cơ quan bảo hiểm xã hội.",
            ),
        ]
    if normalise_name(worker.full_name) != normalise_name(participant.full_name):
        findings.append(
            Finding(
                code="identity_mismatch",
                field="full_name",
                row=row,
                message=f"Họ tên người lao động có mã số BHXH {worker.si_number} (dòng {row}) là «{worker.full_name}», khác với cơ sở dữ liệu.",
                suggestion=participant.full_name,
            )
        )
    if worker.date_of_birth.isoformat() != participant.date_of_birth:
        findings.append(
            Finding(
                code="identity_mismatch",
                field="date_of_birth",
                row=row,
                message=f"Ngày sinh của người lao động {worker.full_name} (dòng {row}) là {dmy(worker.date_of_birth)}, khác với cơ sở dữ liệu.",
                suggestion=dmy(participant.date_of_birth),
            )
        )
    if worker.id_number and participant.id_number and worker.id_number != participant.id_number:
        findings.append(
            Finding(
                code="identity_mismatch",
                field="id_number",
                row=row,
                message=f"Số CCCD/CMND của người lao động {worker.full_name} (dòng {row}) khác với cơ sở dữ liệu.",
                suggestion=participant.id_number,
            )
        )
    findings += check_unemployment(worker, row, participant, rules)
    rule = rules.rules.participation
    if rule is None:
        return findings
    month = month_before(worker.period_from) if rule.month == "before_period" else month_of(worker.period_from)
    when = (
        f"tháng liền kề trước thời điểm {rules.wording.period_vi}" if rule.month == "before_period" else "tháng đề nghị"
    )
    if not participant.participated_in(month):
        findings.append(
            Finding(
                code="not_participating",
                field="si_number",
                row=row,
                message=(
                    f"Người lao động {worker.full_name} (dòng {row}) không tham gia bảo hiểm xã hội bắt buộc tháng "
                    f"{month_vi(month)}, {when}."
                ),
            )
        )
    elif rule.in_unit and unit_code and participant.unit_in(month) != unit_code:
        findings.append(
            Finding(
                code="not_in_unit",
                field="si_number",
                row=row,
                message=f"Người lao động {worker.full_name} (dòng {row}) không tham gia bảo hiểm xã hội tại đơn vị {unit_code} tháng {month_vi(month)}.",
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
        Finding(
            code="unit_condition_not_met",
            field="workers",
            message=(
                f"Đơn vị có {listed}/{insured} người lao động tham gia bảo hiểm xã hội trong danh sách "
                f"({listed * 100 // insured}%), chưa đạt điều kiện từ {rule.min_share:.0%} trở lên để "
                f"{rules.title[:1].lower()}{rules.title[1:]} ({rules.basis.short})."
            ),
        )
    ]
