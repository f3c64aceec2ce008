"""The working-day calendar (ngày làm việc) every time limit is counted in: the official one.

Which days are worked comes from the `holidays` package's ``VN`` calendar (``is_working_day``): it
knows weekends, the public holidays (Tết Nguyên đán and Giỗ Tổ Hùng Vương by the lunar calendar),
the days off in compensation (nghỉ bù) and the Saturdays the government swaps into working days
(làm bù, e.g. Saturday 4/5/2024 worked, Monday 29/4/2024 off). Days the government announces after
the package was released come from the override file (`OVERRIDES_FILE`, or the one the setting
``MOTCUA_CALENDAR_OVERRIDES`` names), loaded once and validated: a malformed or contradictory line
stops the service from starting, with the line named (`CalendarError`).

A dossier received after office hours (after 17:00 Asia/Ho_Chi_Minh) or on a day that is not a
working day counts from the next working day.

Examples
--------
>>> cal = WorkingCalendar()
>>> cal.add_working_days(date(2020, 1, 20), 5)   # Monday before Tết 2020
datetime.date(2020, 2, 3)
>>> cal.add_working_days(date(2024, 5, 2), 2)    # Thursday 2/5/2024: Friday 3, Saturday 4 (worked)
datetime.date(2024, 5, 4)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import holidays

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_WORKING_DAYS",
    "OFFICE_CLOSES_AT",
    "OVERRIDES_FILE",
    "VIETNAM_TZ",
    "CalendarError",
    "Override",
    "WorkingCalendar",
    "check_count",
    "check_day",
    "load_overrides",
    "parse_dates",
    "parse_overrides",
]

VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Vietnam has kept UTC+7 without daylight saving since 1975: a fixed offset needs no tzdata."""

OFFICE_CLOSES_AT = time(17, 0)
"""A reception later than this (local time) counts from the next working day."""

MAX_WORKING_DAYS = 250
"""About one year of working days: no time limit of a one-stop procedure comes near it, so a larger
count is a mistake (a typo, a date taken for a number), refused rather than answered."""

FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years the calendar answers for; a date outside them is taken for a typo."""

OVERRIDES_FILE = Path(__file__).resolve().parent / "data" / "calendar_overrides.txt"
"""The override file shipped with the code (see its header for the format)."""


class CalendarError(ValueError):
    """A date, a count or an override line the calendar cannot answer for; the message says which."""


@dataclass(frozen=True)
class Override:
    """One line of the override file: a day the government made a day off or a working day."""

    day: date
    kind: Literal["off", "work"]
    source: str
    """The announcement (thông báo, công văn) that made it so."""
    line: int = 0
    """Where it was read (1-based), for messages."""


def check_day(day: date) -> date:
    """``day`` itself when the calendar answers for its year; raises `CalendarError` otherwise."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarError(f"the calendar answers for {FIRST_YEAR}–{LAST_YEAR}; {day.isoformat()} is outside")
    return day


def check_count(n: object) -> int:
    """A number of working days: an int from 0 to `MAX_WORKING_DAYS`; raises `CalendarError`."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise CalendarError(f"expected a whole number of working days, got {n!r}")
    if n < 0:
        raise CalendarError(f"expected a number of working days >= 0, got {n}")
    if n > MAX_WORKING_DAYS:
        raise CalendarError(f"{n} working days is more than {MAX_WORKING_DAYS} (about a year): not a time limit")
    return n


def parse_dates(value: str | Iterable[str | date] | None) -> frozenset[date]:
    """Dates from a comma-separated string of ISO dates, or an iterable of dates.

    Raises
    ------
    CalendarError
        when an item is not an ISO date (``YYYY-MM-DD``) of a day that exists.
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
            out.add(_iso_date(str(item).strip()))
    return frozenset(out)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(text: str) -> date:
    if not _ISO.match(text):
        raise CalendarError(f"expected an ISO date YYYY-MM-DD, got {text!r}")
    try:
        return check_day(date.fromisoformat(text))
    except CalendarError:
        raise
    except ValueError:
        raise CalendarError(f"expected an ISO date YYYY-MM-DD of a day that exists, got {text!r}") from None


def parse_overrides(text: str, name: str = "calendar overrides") -> tuple[Override, ...]:
    """The overrides of a file's text: ``YYYY-MM-DD off|work <source>`` per line, ``#`` comments.

    Raises
    ------
    CalendarError
        naming the file and line of the first malformed line, or of a date given twice.
    """
    out: dict[date, Override] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = "" if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        where = f"{name}, line {number}"
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise CalendarError(f"{where}: expected 'YYYY-MM-DD off|work <announcement>', got {raw.strip()!r}")
        text_day, kind, source = parts
        try:
            day = _iso_date(text_day)
        except CalendarError as error:
            raise CalendarError(f"{where}: {error}") from None
        if kind not in ("off", "work"):
            raise CalendarError(f"{where}: expected 'off' or 'work' after the date, got {kind!r}")
        if day in out:
            first = out[day]
            what = "contradicts" if first.kind != kind else "repeats"
            raise CalendarError(f"{where}: {day.isoformat()} {kind} {what} line {first.line} ({first.kind})")
        out[day] = Override(day, kind, source.strip(), number)  # type: ignore[arg-type]
    return tuple(sorted(out.values(), key=lambda o: o.day))


def load_overrides(path: str | Path | None = None) -> tuple[Override, ...]:
    """The override file at ``path`` (default `OVERRIDES_FILE`), validated.

    Raises
    ------
    CalendarError
        when the file cannot be read or a line is malformed or contradictory.
    """
    where = Path(path) if path else OVERRIDES_FILE
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarError(f"cannot read the calendar overrides {where}: {error.strerror or error}") from None
    return parse_overrides(text, str(where))


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days (ngày làm việc), and date arithmetic in them."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    """Days off announced late (nghỉ bù), from the override file."""
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    """Days made working days announced late (làm bù), from the override file."""
    closes_at: time = OFFICE_CLOSES_AT
    """End of office hours, local time."""
    _official: Any = field(init=False, repr=False, compare=False, default=None)
    """`holidays.VN` (the package has no type information)."""

    def __post_init__(self) -> None:
        off, work = parse_dates(self.extra_days_off), parse_dates(self.extra_working_days)
        both = sorted(off & work)
        if both:
            raise CalendarError(f"{both[0].isoformat()} is given both as a day off and as a working day")
        object.__setattr__(self, "extra_days_off", off)
        object.__setattr__(self, "extra_working_days", work)
        object.__setattr__(self, "_official", holidays.country_holidays("VN"))

    @classmethod
    def official(cls, overrides: Iterable[Override] = ()) -> WorkingCalendar:
        """The calendar of the `holidays` package with the given overrides."""
        items = tuple(overrides)
        package = holidays.country_holidays("VN")
        for o in items:
            if o.kind == "work" and o.day in package:
                where = f"line {o.line}: " if o.line else ""
                raise CalendarError(
                    f"{where}{o.day.isoformat()} is a public holiday ({package.get(o.day)}); it cannot be made a working day"
                )
        return cls(
            extra_days_off=frozenset(o.day for o in items if o.kind == "off"),
            extra_working_days=frozenset(o.day for o in items if o.kind == "work"),
        )

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> WorkingCalendar:
        """The official calendar with the override file at ``path`` (default `OVERRIDES_FILE`)."""
        return cls.official(load_overrides(path))

    # --- questions about one day -------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """A public holiday of Vietnam or a day off announced late."""
        return day in self.extra_days_off or day in self._official

    def holiday_name(self, day: date) -> str | None:
        """What the day off is (``None`` for a working day or a plain weekend)."""
        if day in self.extra_days_off:
            return "Ngày nghỉ theo thông báo (tệp bổ sung lịch)"
        name = self._official.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date | datetime) -> bool:
        """As the government counts it: weekdays not off, and the Saturdays swapped into work."""
        day = check_day(_local_date(day))
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return bool(self._official.is_working_day(day))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def reception_day(self, received: date | datetime) -> date:
        """The working day a reception counts from.

        The day itself when it is a working day and (for a datetime) the reception was not after
        office hours; otherwise the next working day. A naive datetime is taken as Vietnam time;
        an aware one is converted.
        """
        day = check_day(_local_date(received))
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
        CalendarError
            when ``n`` is negative or absurdly large (`MAX_WORKING_DAYS`), or a date is outside
            the years the calendar answers for.
        """
        n = check_count(n)
        day = self.reception_day(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

        The inverse of :meth:`add_working_days` for a start that is a working day:
        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        a, b = check_day(_local_date(start)), check_day(_local_date(end))
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
