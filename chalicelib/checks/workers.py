"""Each worker against the registry and the procedure's rules.

For a suspension that starts in month M, the worker must have been in compulsory insurance, in the
applying unit, in month M-1 (Decision 15/2020/QĐ-TTg): that is what BHXH confirms.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.checks.text import dmy, month_vi
from chalicelib.domain.dossier import Worker
from chalicelib.domain.findings import Finding
from chalicelib.domain.names import normalise_name
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.registry import Participant

__all__ = ["check_period", "check_worker", "month_before", "months", "whole_months"]


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


def check_period(worker: Worker, row: int, rules: Procedure) -> list[Finding]:
    name = worker.full_name
    if worker.period_from < rules.window_from or worker.period_to > rules.window_to:
        return [
            Finding(
                code="period_out_of_range",
                field="period_from" if worker.period_from < rules.window_from else "period_to",
                row=row,
                message=(
                    f"Thời gian đề nghị hỗ trợ của người lao động {name} (dòng {row}) từ {dmy(worker.period_from)} đến "
                    f"{dmy(worker.period_to)} nằm ngoài thời gian được hỗ trợ ({dmy(rules.window_from)} – {dmy(rules.window_to)})."
                ),
                suggestion=dmy(max(worker.period_from, rules.window_from))
                if worker.period_from < rules.window_from
                else dmy(rules.window_to),
            )
        ]
    if whole_months(worker.period_from, worker.period_to) < rules.min_months:
        return [
            Finding(
                code="period_out_of_range",
                field="period_to",
                row=row,
                message=(
                    f"Thời gian tạm hoãn hợp đồng / nghỉ không lương của người lao động {name} (dòng {row}) phải từ "
                    f"{rules.min_months:02d} tháng liên tục trở lên."
                ),
            )
        ]
    return []


def check_worker(
    worker: Worker, row: int, unit_code: str | None, participant: Participant | None, rules: Procedure
) -> list[Finding]:
    """Findings of one worker; `participant` is the registry's record of their SI number, if any."""
    findings = check_period(worker, row, rules)
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
    before = month_before(worker.period_from)
    if not participant.participated_in(before):
        findings.append(
            Finding(
                code="not_participating",
                field="si_number",
                row=row,
                message=(
                    f"Người lao động {worker.full_name} (dòng {row}) không tham gia bảo hiểm xã hội bắt buộc tháng "
                    f"{month_vi(before)}, tháng liền kề trước thời điểm tạm hoãn / nghỉ việc."
                ),
            )
        )
    elif unit_code and participant.unit_in(before) != unit_code:
        findings.append(
            Finding(
                code="not_in_unit",
                field="si_number",
                row=row,
                message=f"Người lao động {worker.full_name} (dòng {row}) không tham gia bảo hiểm xã hội tại đơn vị {unit_code} tháng {month_vi(before)}.",
            )
        )
    return findings
