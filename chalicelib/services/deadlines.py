"""The official calendar of this process, and the questions the CLI asks of it.

`calendar()` is the one `WorkingCalendar` every deadline is counted in: the `holidays` package's
``VN`` calendar plus the override file (`MOTCUA_CALENDAR_OVERRIDES`, default the shipped one),
loaded once and validated; the app loads it at its cold start, so a bad line stops the function
with the line named instead of counting a wrong date.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from chalicelib.config import settings
from chalicelib.domain.deadlines import DEFAULT_REASONS, REASONS, StepDeadline, close_step, open_step
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.offices import office
from chalicelib.domain.procedures import body_name, procedure_of
from chalicelib.domain.workdays import CalendarError, WorkingCalendar, check_count

__all__ = [
    "DEFAULT_REASONS",
    "REASONS",
    "CalendarError",
    "add",
    "at_acceptance",
    "between",
    "calendar",
    "describe",
    "finished",
    "handed_to_authority",
    "new_dates",
    "parse_count",
    "parse_day",
]

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@lru_cache(maxsize=1)
def calendar() -> WorkingCalendar:
    """The process's calendar; raises `CalendarError` naming the override file's bad line."""
    return WorkingCalendar.from_file(settings().calendar_overrides or None)


def parse_day(text: str) -> date:
    """A date typed by a person: ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY``; raises `CalendarError`."""
    from chalicelib.domain.workdays import parse_dates

    value = text.strip()
    if "/" in value:
        parts = value.split("/")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise CalendarError(f"expected a date YYYY-MM-DD or DD/MM/YYYY, got {text!r}")
        value = f"{int(parts[2]):04d}-{int(parts[1]):02d}-{int(parts[0]):02d}"
    (day,) = parse_dates([value]) or (None,)
    if day is None:
        raise CalendarError(f"expected a date YYYY-MM-DD or DD/MM/YYYY, got {text!r}")
    return day


def parse_count(text: str) -> int:
    """A number of working days typed by a person; raises `CalendarError`."""
    value = text.strip()
    if not value.lstrip("-").isdigit():
        raise CalendarError(f"expected a whole number of working days, got {text!r}")
    return check_count(int(value))


def describe(day: date) -> str:
    """``2024-05-04 (Thứ Bảy, ngày làm việc)``: the date as the CLI prints it."""
    cal = calendar()
    kind = (
        "ngày làm việc"
        if cal.is_working_day(day)
        else f"nghỉ: {cal.holiday_name(day)}"
        if cal.holiday_name(day)
        else "nghỉ"
    )
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}, {kind})"


def add(start: str, n: str) -> date:
    """`motcua calendar add DATE N`: the day N working days after DATE."""
    return calendar().add_working_days(parse_day(start), parse_count(n))


def between(a: str, b: str) -> int:
    """`motcua calendar between A B`: working days after A up to and including B."""
    return calendar().working_days_between(parse_day(a), parse_day(b))


# --- each body's step of a dossier ------------------------------------------------------------


def at_acceptance(dossier: Dossier) -> dict[str, object]:
    """The clock's dates for a dossier accepted now: BHXH's step from its (last) submission, BHXH's
    own deadline, and the appointment, the sum of every step."""
    rules = procedure_of(dossier)
    start = dossier.received_at
    assert start is not None, "an accepted dossier has its reception time"
    first = rules.steps[0]
    step = open_step(
        "bhxh", body_name("bhxh", office(dossier.office).province), first.days, first.source, start, calendar()
    )
    return {
        "steps": [step],
        "bhxh_due_date": step.due,
        "due_date": calendar().add_working_days(start, rules.time_limit_days),
        "original_due_date": None,
    }


def handed_to_authority(dossier: Dossier, authority: str, at: datetime) -> Dossier:
    """BHXH's step ends at ``at``; the authority's starts, with its own days from that day."""
    rules = procedure_of(dossier)
    steps = [close_step(s, at) for s in dossier.steps]
    if not any(s.body == authority for s in steps):
        source = "; ".join(dict.fromkeys(s.source for s in rules.steps[1:]))
        steps.append(
            open_step(
                authority,
                body_name(authority, office(dossier.office).province),
                rules.authority_days,
                source,
                at,
                calendar(),
            )
        )
    return dossier.model_copy(update={"steps": steps})


def finished(dossier: Dossier, at: datetime) -> Dossier:
    """The open step ends at ``at`` (the decision is handed back to the desk)."""
    return dossier.model_copy(update={"steps": [close_step(s, at) for s in dossier.steps]})


def new_dates(dossier: Dossier, step: StepDeadline, extra_days: int | None) -> tuple[date, date]:
    """The step's new deadline (``extra_days`` working days after its deadline; by default its own
    time limit again) and the new appointment: the steps after it keep their full time."""
    rules = procedure_of(dossier)
    moved = calendar().add_working_days(step.current_due, check_count(extra_days if extra_days else step.days))
    later = rules.authority_days if step.body == "bhxh" else 0
    appointment = calendar().add_working_days(moved, later)
    current = dossier.due_date or appointment
    return moved, max(appointment, current)
