"""The working-day calendar across Tết 2020 and Tết 2021, office hours and swapped days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.workdays import VIETNAM_TZ, WorkingCalendar, parse_dates

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 1, 23),
        date(2020, 1, 24),
        date(2020, 1, 27),
        date(2020, 1, 28),
        date(2020, 1, 29),
        date(2021, 2, 10),
        date(2021, 2, 11),
        date(2021, 2, 12),
        date(2021, 2, 15),
        date(2021, 2, 16),
        date(2020, 4, 2),  # Hùng Kings' day 2020 (10/3 lunar)
        date(2021, 4, 21),  # Hùng Kings' day 2021
        date(2020, 4, 30),
        date(2020, 5, 1),
        date(2020, 9, 2),
        date(2021, 1, 1),
    ],
)
def test_tet_and_public_holidays_on_weekdays_are_not_working_days(day):
    # GIVEN a weekday that is a public holiday   THEN it does not count
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)


def test_ordinary_days_around_tet():
    assert CAL.is_working_day(date(2020, 1, 22))  # Wednesday before Tết 2020
    assert CAL.is_working_day(date(2020, 1, 30))  # Thursday after
    assert not CAL.is_working_day(date(2020, 2, 1))  # Saturday
    assert not CAL.is_working_day(date(2020, 2, 2))  # Sunday
    assert CAL.is_working_day(date(2021, 2, 9))
    assert CAL.is_working_day(date(2021, 2, 17))


def test_five_working_days_across_tet_2020():
    # GIVEN a dossier received Monday 20/01/2020 in office hours with a 5-working-day limit
    due = CAL.add_working_days(datetime(2020, 1, 20, 9, 30), 5)
    # THEN Tue 21, Wed 22, Thu 30, Fri 31, Mon 3/2
    assert due == date(2020, 2, 3)


def test_five_working_days_across_tet_2021():
    # Mon 8/2/2021: Tue 9, then Tết 10–16/2, Wed 17, Thu 18, Fri 19, Mon 22
    assert CAL.add_working_days(date(2021, 2, 8), 5) == date(2021, 2, 22)


def test_reception_after_17h_counts_from_next_working_day():
    in_hours = CAL.add_working_days(datetime(2021, 2, 9, 16, 59), 1)
    after_hours = CAL.add_working_days(datetime(2021, 2, 9, 17, 1), 1)
    # 16:59 on Tue 9/2 counts from the 9th: one working day later is Wed 17/2 (after Tết)
    assert in_hours == date(2021, 2, 17)
    # 17:01 counts from the next working day, 17/2: one working day later is 18/2
    assert after_hours == date(2021, 2, 18)


def test_aware_datetime_is_read_in_vietnam_time():
    # 10:30 UTC is 17:30 in Hà Nội: after office hours
    utc = datetime(2020, 1, 22, 10, 30, tzinfo=UTC)
    assert CAL.reception_day(utc) == date(2020, 1, 30)
    # 09:00 UTC is 16:00 in Hà Nội: same day
    assert CAL.reception_day(datetime(2020, 1, 22, 9, 0, tzinfo=UTC)) == date(2020, 1, 22)
    assert CAL.reception_day(datetime(2020, 1, 22, 16, 0, tzinfo=VIETNAM_TZ)) == date(2020, 1, 22)


def test_reception_on_a_holiday_or_weekend_counts_from_next_working_day():
    assert CAL.reception_day(date(2020, 1, 25)) == date(2020, 1, 30)  # Tết day 1, Saturday
    assert CAL.add_working_days(date(2020, 1, 25), 0) == date(2020, 1, 30)
    assert CAL.add_working_days(date(2020, 1, 25), 1) == date(2020, 1, 31)
    assert CAL.add_working_days(datetime(2020, 1, 24, 8, 0), 2) == date(2020, 2, 3)


def test_working_days_between_is_the_inverse_of_add():
    start = date(2020, 1, 20)
    for n in range(30):
        assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n
    assert CAL.working_days_between(date(2021, 2, 9), date(2021, 2, 17)) == 1
    assert CAL.working_days_between(date(2021, 2, 17), date(2021, 2, 9)) == -1
    assert (
        CAL.working_days_between(date(2020, 1, 1), date(2020, 12, 31)) == 252
    )  # 366 days, 104 weekend days, 10 weekday holidays


def test_swapped_days_from_configuration():
    # GIVEN a decision giving Monday 4/1/2021 off in exchange for Saturday 9/1/2021
    cal = WorkingCalendar(extra_days_off=parse_dates("2021-01-04"), extra_working_days=["2021-01-09"])
    assert not cal.is_working_day(date(2021, 1, 4))
    assert cal.is_working_day(date(2021, 1, 9))
    # Thu 31/12/2020 + 3: Tue 5, Wed 6, Thu 7   (default: Mon 4, Tue 5, Wed 6)
    assert CAL.add_working_days(date(2020, 12, 31), 3) == date(2021, 1, 6)
    assert cal.add_working_days(date(2020, 12, 31), 3) == date(2021, 1, 7)
    # Tue 5, Wed 6, Thu 7, Fri 8, Sat 9 (worked), Mon 11
    assert cal.add_working_days(date(2020, 12, 31), 5) == date(2021, 1, 9)
    assert cal.add_working_days(date(2020, 12, 31), 6) == date(2021, 1, 11)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2020, 1, 1), -1)
    with pytest.raises(ValueError, match="ISO date"):
        parse_dates("2021-13-01")
    with pytest.raises(ValueError, match="both as a day off and as a working day"):
        WorkingCalendar(extra_days_off=["2021-01-09"], extra_working_days=["2021-01-09"])
