"""The working-day calendar (ngày làm việc) every time limit is counted in.

Saturdays, Sundays and Vietnamese public holidays do not count. The public holidays come from the
`holidays` package's ``VN`` calendar, which follows the lunar calendar for Tết (Tết Nguyên đán) and
Hùng Kings' Commemoration Day (Giỗ Tổ Hùng Vương). Days swapped by government decision (a weekday
given off in exchange for a Saturday worked) come from configuration as ``extra_days_off`` and
``extra_working_days``.

A dossier received after office hours (after 17:00 Asia/Ho_Chi_Minh) or on a day that is not a
working day counts from the next working day.

Examples
--------
>>> cal = WorkingCalendar()
>>> cal.add_working_days(date(2020, 1, 20), 5)   # Monday before Tết 2020
datetime.date(2020, 2, 3)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

import holidays

__all__ = ["VIETNAM_TZ", "OFFICE_CLOSES_AT", "WorkingCalendar", "parse_dates"]

VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Vietnam has kept UTC+7 without daylight saving since 1975: a fixed offset needs no tzdata."""

OFFICE_CLOSES_AT = time(17, 0)
"""A reception later than this (local time) counts from the next working day."""


def parse_dates(value: str | Iterable[str | date] | None) -> frozenset[date]:
    """Dates from configuration: a comma-separated string of ISO dates, or an iterable of dates.

    Raises
    ------
    ValueError
        when an item is not an ISO date (``YYYY-MM-DD``).
    """
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    out = set()
    for item in items:
        if isinstance(item, datetime):
            out.add(item.date())
        elif isinstance(item, date):
            out.add(item)
        elif str(item).strip():
            try:
                out.add(date.fromisoformat(str(item).strip()))
            except ValueError as exc:
                raise ValueError(f"expected an ISO date YYYY-MM-DD, got {item!r}") from exc
    return frozenset(out)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days (ngày làm việc), and date arithmetic in them."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    """Days off by decision beyond the public holidays (e.g. a swapped Monday: nghỉ bù)."""
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    """Weekend days made working days by decision (làm bù); they win over everything else."""
    closes_at: time = OFFICE_CLOSES_AT
    """End of office hours, local time."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_days_off", parse_dates(self.extra_days_off))
        object.__setattr__(self, "extra_working_days", parse_dates(self.extra_working_days))
        object.__setattr__(self, "_holidays", holidays.country_holidays("VN"))

    # --- questions about one day -------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """A public holiday of Vietnam or a configured day off."""
        return day in self.extra_days_off or day in self._holidays  # type: ignore[attr-defined]

    def is_working_day(self, day: date | datetime) -> bool:
        """Monday to Friday, not a holiday; or a configured working day."""
        day = _local_date(day)
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def reception_day(self, received: date | datetime) -> date:
        """The working day a reception counts from.

        The day itself when it is a working day and (for a datetime) the reception was not after
        office hours; otherwise the next working day. A naive datetime is taken as Vietnam time;
        an aware one is converted.
        """
        day = _local_date(received)
        if isinstance(received, datetime) and _local_time(received) > self.closes_at:
            return self.next_working_day(day)
        if not self.is_working_day(day):
            return self.next_working_day(day)
        return day

    # --- arithmetic ---------------------------------------------------------------------------

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The appointment date: ``n`` working days after the day a reception counts from.

        ``n == 0`` gives that day itself. Received Monday 20/01/2020 at 09:00 with 5 working days
        (Tết 2020 ran from Thursday 23/01 to Wednesday 29/01) gives Monday 03/02/2020.

        Raises
        ------
        ValueError
            when ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"expected a number of working days >= 0, got {n}")
        day = self.reception_day(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

        The inverse of :meth:`add_working_days` for a start that is a working day:
        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        a, b = _local_date(start), _local_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        day = a + timedelta(days=1)
        while day <= b:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return sign * count


def _local(moment: datetime) -> datetime:
    return moment.astimezone(VIETNAM_TZ) if moment.tzinfo is not None else moment


def _local_date(value: date | datetime) -> date:
    return _local(value).date() if isinstance(value, datetime) else value


def _local_time(value: datetime) -> time:
    return _local(value).time()
