"""The official calendar, 2020–2026: every swapped Saturday and its day off, 30/4–1/5, 2/9, Tết and the
year ends, as the government announced them; the override file; the `motcua calendar` commands.

The expected days are the government's announcements (Bộ Lao động – Thương binh và Xã hội, Bộ Nội vụ),
typed here by hand, not read back from the `holidays` package the calendar uses.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from chalicelib.cli import main
from chalicelib.domain.workdays import MAX_WORKING_DAYS, CalendarError, WorkingCalendar, load_overrides, parse_overrides

CAL = WorkingCalendar.from_file()

D = date

WORKED_SATURDAYS = {
    D(2024, 5, 4): D(2024, 4, 29),  # Saturday 4/5/2024 worked for Monday 29/4/2024 off
    D(2025, 4, 26): D(2025, 5, 2),  # Saturday 26/4/2025 worked for Friday 2/5/2025 off
    D(2026, 8, 22): D(2026, 8, 31),  # Saturday 22/8/2026 worked for Monday 31/8/2026 off
}
"""Every Saturday of 2020–2026 swapped into a working day, and the weekday given off for it."""

DAYS_OFF_ON_WEEKDAYS: dict[int, list[date]] = {
    2020: [
        D(2020, 1, 1),
        *(D(2020, 1, d) for d in (23, 24, 27, 28, 29)),
        D(2020, 4, 2),
        D(2020, 4, 30),
        D(2020, 5, 1),
        D(2020, 9, 2),
    ],
    2021: [
        D(2021, 1, 1),
        *(D(2021, 2, d) for d in (10, 11, 12, 15, 16)),
        D(2021, 4, 21),
        D(2021, 4, 30),
        D(2021, 5, 3),
        D(2021, 9, 2),
        D(2021, 9, 3),
    ],
    2022: [
        D(2022, 1, 3),
        D(2022, 1, 31),
        *(D(2022, 2, d) for d in (1, 2, 3, 4)),
        D(2022, 4, 11),
        D(2022, 5, 2),
        D(2022, 5, 3),
        D(2022, 9, 1),
        D(2022, 9, 2),
    ],
    2023: [
        D(2023, 1, 2),
        D(2023, 1, 20),
        *(D(2023, 1, d) for d in (23, 24, 25, 26)),
        D(2023, 5, 1),
        D(2023, 5, 2),
        D(2023, 5, 3),
        D(2023, 9, 1),
        D(2023, 9, 4),
    ],
    2024: [
        D(2024, 1, 1),
        D(2024, 2, 8),
        D(2024, 2, 9),
        *(D(2024, 2, d) for d in (12, 13, 14)),
        D(2024, 4, 18),
        D(2024, 4, 29),
        D(2024, 4, 30),
        D(2024, 5, 1),
        D(2024, 9, 2),
        D(2024, 9, 3),
    ],
    2025: [
        D(2025, 1, 1),
        *(D(2025, 1, d) for d in (27, 28, 29, 30, 31)),
        D(2025, 4, 7),
        D(2025, 4, 30),
        D(2025, 5, 1),
        D(2025, 5, 2),
        D(2025, 9, 1),
        D(2025, 9, 2),
    ],
    2026: [
        D(2026, 1, 1),
        *(D(2026, 2, d) for d in (16, 17, 18, 19, 20)),
        D(2026, 4, 27),
        D(2026, 4, 30),
        D(2026, 5, 1),
        D(2026, 8, 31),
        D(2026, 9, 1),
        D(2026, 9, 2),
        D(2026, 11, 24),
    ],
}
"""Every weekday off, year by year: New Year (or its substitute), Tết, Hùng Kings' day, 30/4–1/5, 2/9
(two days from 2021, Labour Code 2019), the swapped days, and from 2026 Vietnam Culture Day (24/11)."""


@pytest.mark.parametrize("year", sorted(DAYS_OFF_ON_WEEKDAYS))
def test_every_day_of_the_year_is_as_announced(year: int) -> None:
    # GIVEN the announced weekdays off and Saturdays worked   WHEN every day of the year is asked
    expected_off = set(DAYS_OFF_ON_WEEKDAYS[year])
    day, wrong = date(year, 1, 1), []
    while day.year == year:
        weekend = day.weekday() >= 5
        expected = day in WORKED_SATURDAYS if weekend else day not in expected_off
        if CAL.is_working_day(day) != expected:
            wrong.append(f"{day:%a %d/%m/%Y}: expected {'working' if expected else 'off'}")
        day += timedelta(days=1)
    # THEN each one is as announced
    assert wrong == []


@pytest.mark.parametrize(("saturday", "day_off"), sorted(WORKED_SATURDAYS.items()))
def test_a_swapped_saturday_counts_and_its_day_off_does_not(saturday: date, day_off: date) -> None:
    assert saturday.weekday() == 5 and CAL.is_working_day(saturday)
    assert day_off.weekday() < 5 and not CAL.is_working_day(day_off)


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2024, 5, 2), 2, D(2024, 5, 4)),  # Thu 2/5/2024: Fri 3, Sat 4 (worked)
        (D(2024, 5, 3), 1, D(2024, 5, 4)),
        (D(2024, 4, 26), 1, D(2024, 5, 2)),  # Fri 26/4/2024: Mon 29 (swapped off), 30/4, 1/5, then Thu 2/5
        (D(2025, 4, 25), 1, D(2025, 4, 26)),  # Fri 25/4/2025: Sat 26 (worked)
        (D(2025, 4, 29), 1, D(2025, 5, 5)),  # Tue 29/4/2025: 30/4, 1/5, Fri 2/5 (swapped off), weekend, Mon 5/5
        (D(2026, 8, 21), 1, D(2026, 8, 22)),  # Fri 21/8/2026: Sat 22 (worked)
        (D(2026, 8, 28), 1, D(2026, 9, 3)),  # Fri 28/8/2026: Mon 31/8 (swapped off), 1/9, 2/9, then Thu 3/9
        (D(2020, 4, 28), 5, D(2020, 5, 7)),  # Tue 28/4/2020: Wed 29, (30/4, 1/5 off), Mon 4, Tue 5, Wed 6, Thu 7
        (D(2020, 9, 1), 1, D(2020, 9, 3)),  # 2/9/2020 a Wednesday, one day off
        (D(2021, 9, 1), 1, D(2021, 9, 6)),  # 2/9 and 3/9/2021: two days from the Labour Code 2019
        (D(2020, 12, 31), 1, D(2021, 1, 4)),  # year end: 1/1/2021 a Friday
        (D(2021, 12, 31), 1, D(2022, 1, 4)),  # 1/1/2022 a Saturday: Monday 3/1 off in its place
        (D(2022, 12, 30), 1, D(2023, 1, 3)),  # 1/1/2023 a Sunday: Monday 2/1 off
        (D(2023, 12, 29), 1, D(2024, 1, 2)),
        (D(2024, 12, 31), 1, D(2025, 1, 2)),
        (D(2025, 12, 31), 1, D(2026, 1, 2)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        (D(2022, 1, 28), 1, D(2022, 2, 7)),  # Tết 2022: Mon 31/1 to Fri 4/2
        (D(2023, 1, 19), 1, D(2023, 1, 27)),  # Tết 2023: Fri 20/1 to Thu 26/1
        (D(2024, 2, 7), 1, D(2024, 2, 15)),  # Tết 2024: Thu 8/2 to Wed 14/2
        (D(2025, 1, 24), 1, D(2025, 2, 3)),  # Tết 2025: Mon 27/1 to Fri 31/1
        (D(2026, 2, 13), 1, D(2026, 2, 23)),  # Tết 2026: Mon 16/2 to Fri 20/2
        (D(2023, 4, 28), 1, D(2023, 5, 4)),  # 2023: Hùng Kings' day (Sat 29/4) and 30/4 given on Tue 2/5, Wed 3/5
    ],
)
def test_add_working_days_across_the_announced_days(start: date, n: int, due: date) -> None:
    assert CAL.add_working_days(start, n) == due
    assert CAL.working_days_between(start, due) == n


def test_counts_of_working_days_per_year() -> None:
    # 2024: 366 days, 104 weekend days, 15 weekdays off... less the worked Saturday
    counts = {year: CAL.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) for year in range(2020, 2027)}
    expected = {}
    for year in range(2020, 2027):
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        weekdays = sum(1 for i in range(days) if (date(year, 1, 1) + timedelta(days=i)).weekday() < 5)
        expected[year] = weekdays - len(DAYS_OFF_ON_WEEKDAYS[year]) + sum(1 for s in WORKED_SATURDAYS if s.year == year)
    assert counts == expected


# --- the override file -------------------------------------------------------------------------


def test_the_shipped_override_file_is_valid_and_empty() -> None:
    assert load_overrides() == ()


def test_an_override_makes_a_day_off_and_a_saturday_worked() -> None:
    overrides = parse_overrides(
        "# a late announcement\n2027-04-30 off TB 1/2027\n\n2027-05-08  work  TB 1/2027 (làm bù)\n"
    )
    assert [(o.day, o.kind, o.line) for o in overrides] == [(D(2027, 4, 30), "off", 2), (D(2027, 5, 8), "work", 4)]
    cal = WorkingCalendar.official(overrides)
    assert not cal.is_working_day(D(2027, 4, 30)) and cal.is_working_day(D(2027, 5, 8))
    assert cal.add_working_days(D(2027, 5, 7), 1) == D(2027, 5, 8)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30 off TB 1\n", "line 1: expected an ISO date YYYY-MM-DD of a day that exists, got '2027-02-30'"),
        ("# c\n30/04/2027 off TB 1\n", "line 2: expected an ISO date YYYY-MM-DD, got '30/04/2027'"),
        ("2027-05-08 holiday TB 1\n", "line 1: expected 'off' or 'work' after the date, got 'holiday'"),
        ("2027-05-08 work\n", "line 1: expected 'YYYY-MM-DD off|work <announcement>', got '2027-05-08 work'"),
        ("2027-05-08 work TB 1\n2027-05-08 off TB 2\n", "line 2: 2027-05-08 off contradicts line 1 (work)"),
        ("2027-05-08 work TB 1\n\n2027-05-08 work TB 2\n", "line 3: 2027-05-08 work repeats line 1 (work)"),
        ("2199-05-08 work TB 1\n", "line 1: the calendar answers for 2000–2099; 2199-05-08 is outside"),
    ],
)
def test_a_bad_override_line_is_refused_and_named(text: str, message: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_overrides(text, "overrides.txt")
    assert str(caught.value) == f"overrides.txt, {message}"


def test_a_public_holiday_cannot_be_made_a_working_day() -> None:
    with pytest.raises(CalendarError, match=r"line 1: 2026-09-02 is a public holiday"):
        WorkingCalendar.official(parse_overrides("2026-09-02 work TB 9\n"))


def test_the_service_refuses_to_start_on_a_bad_override_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import settings
    from chalicelib.services import deadlines

    bad = tmp_path / "overrides.txt"
    bad.write_text("2027-01-02 work TB 1\n2027-01-02 off TB 2\n", encoding="utf-8")
    monkeypatch.setenv("MOTCUA_CALENDAR_OVERRIDES", str(bad))
    settings.cache_clear()
    deadlines.calendar.cache_clear()
    try:
        with pytest.raises(CalendarError, match=f"{bad}, line 2: 2027-01-02 off contradicts line 1"):
            deadlines.calendar()
        monkeypatch.setenv("MOTCUA_CALENDAR_OVERRIDES", str(tmp_path / "missing.txt"))
        settings.cache_clear()
        with pytest.raises(CalendarError, match="cannot read the calendar overrides"):
            deadlines.calendar()
    finally:
        monkeypatch.delenv("MOTCUA_CALENDAR_OVERRIDES")
        settings.cache_clear()
        deadlines.calendar.cache_clear()


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["add", "2024-05-02", "2"], "2024-05-04 (Thứ Bảy, ngày làm việc)"),
        (["add", "02/05/2024", "2"], "2024-05-04 (Thứ Bảy, ngày làm việc)"),
        (["add", "2025-04-25", "1"], "2025-04-26 (Thứ Bảy, ngày làm việc)"),
        (["add", "2026-08-21", "1"], "2026-08-22 (Thứ Bảy, ngày làm việc)"),
        (["add", "2020-04-28", "5"], "2020-05-07 (Thứ Năm, ngày làm việc)"),
        (["add", "2024-04-29", "0"], "2024-05-02 (Thứ Năm, ngày làm việc)"),
        (["between", "2024-05-02", "2024-05-06"], "3"),
        (["between", "2024-05-06", "2024-05-02"], "-3"),
    ],
)
def test_the_calendar_commands_answer(argv: list[str], out: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", *argv]) == 0
    assert capsys.readouterr().out.strip() == out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "2024-02-30", "1"], "a day that exists, got '2024-02-30'"),
        (["add", "31/04/2024", "1"], "a day that exists"),
        (["add", "2024-05-02", "-1"], "expected a number of working days >= 0, got -1"),
        (
            ["add", "2024-05-02", str(MAX_WORKING_DAYS + 1)],
            f"{MAX_WORKING_DAYS + 1} working days is more than {MAX_WORKING_DAYS}",
        ),
        (["add", "2024-05-02", "2.5"], "expected a whole number of working days, got '2.5'"),
        (["add", "tomorrow", "1"], "expected an ISO date"),
        (["between", "2024-05-02", "9999-01-01"], "the calendar answers for 2000–2099"),
    ],
)
def test_bad_calendar_input_is_a_message_and_a_non_zero_exit(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err.startswith("error: ")
