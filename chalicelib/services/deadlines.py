"""The official calendar of this process, and the questions the CLI asks of it.

`calendar()` is the one `WorkingCalendar` every deadline is counted in: the `holidays` package's
``VN`` calendar plus the override file (`MOTCUA_CALENDAR_OVERRIDES`, default the shipped one),
loaded once and validated; the app loads it at its cold start, so a bad line stops the function
with the line named instead of counting a wrong date.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from chalicelib.config import settings
from chalicelib.domain.workdays import CalendarError, WorkingCalendar, check_count

__all__ = ["calendar", "add", "between", "describe", "parse_day", "parse_count", "CalendarError"]

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
    kind = "ngày làm việc" if cal.is_working_day(day) else f"nghỉ: {cal.holiday_name(day)}" if cal.holiday_name(day) else "nghỉ"
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}, {kind})"


def add(start: str, n: str) -> date:
    """`motcua calendar add DATE N`: the day N working days after DATE."""
    return calendar().add_working_days(parse_day(start), parse_count(n))


def between(a: str, b: str) -> int:
    """`motcua calendar between A B`: working days after A up to and including B."""
    return calendar().working_days_between(parse_day(a), parse_day(b))
