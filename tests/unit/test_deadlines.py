"""Each procedure's deadlines from its data: BHXH's own step, each authority's, the appointment the
receipt prints (their sum), the authority's step counted from the day it receives the dossier, and
the new dates an apology gives. Received Tuesday 28/4/2020 at 09:00 (30/4 and 1/5 off)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain.deadlines import apology_due_by, close_step, outcome, predicted_late
from chalicelib.domain.dossier import Applicant, CreateDossier, Dossier
from chalicelib.domain.procedures import PROCEDURES, procedure
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.services import deadlines

RECEIVED = datetime(2020, 4, 28, 9, 0, tzinfo=VIETNAM_TZ)


def accepted(code: str) -> Dossier:
    body = CreateDossier(
        portal_code="G22.99-200428-000001",
        procedure=code,
        applicant=Applicant(name="Công ty TNHH A", province_code="031"),
    )
    d = Dossier.new(body, by="portal:test", at=RECEIVED).model_copy(update={"received_at": RECEIVED})
    return d.model_copy(update=deadlines.at_acceptance(d))


@pytest.mark.parametrize(
    ("code", "bhxh_days", "total", "bhxh_due", "appointment", "confirmed"),
    [
        # 2020 suspension support: BHXH 3, district 3, province 2 (Lào Cai procedure 33872)
        ("suspension_support", 3, 8, date(2020, 5, 5), date(2020, 5, 12), True),
        # 2020 wage loan: BHXH 3, district 3, province 2, Social Policy Bank 3
        ("wage_loan", 3, 11, date(2020, 5, 5), date(2020, 5, 15), True),
        # terminated worker without unemployment benefit: 5 in all; BHXH's share believed 2
        ("terminated_no_benefit", 2, 5, date(2020, 5, 4), date(2020, 5, 7), False),
        # pension pause: BHXH decides itself in 5
        ("pension_pause", 5, 5, date(2020, 5, 7), date(2020, 5, 7), True),
        # household business: not BHXH's; believed
        ("household_business", 2, 7, date(2020, 5, 4), date(2020, 5, 11), False),
    ],
)
def test_each_procedure_gives_bhxh_its_deadline_and_the_applicant_the_sum(
    code: str, bhxh_days: int, total: int, bhxh_due: date, appointment: date, confirmed: bool
) -> None:
    rules = procedure(code)
    assert (rules.bhxh_days, rules.time_limit_days) == (bhxh_days, total)
    assert all(s.confirmed for s in rules.steps) is confirmed
    assert all(
        s.source and (s.confirmed or s.to_confirm) for s in rules.steps
    )  # every belief says what would confirm it
    d = accepted(code)
    assert (d.bhxh_due_date, d.due_date) == (bhxh_due, appointment)
    assert [(s.body, s.days, s.due) for s in d.steps] == [("bhxh", bhxh_days, bhxh_due)]


def test_the_authoritys_step_counts_from_the_day_it_receives_the_dossier() -> None:
    # GIVEN suspension support confirmed and forwarded on Monday 4/5/2020 (BHXH due 5/5)
    d = accepted("suspension_support")
    forwarded_at = datetime(2020, 5, 4, 10, 0, tzinfo=VIETNAM_TZ)
    d = deadlines.handed_to_authority(d, "province", forwarded_at)
    # THEN BHXH was ahead; the province (district 3 + province 2) runs to Monday 11/5
    assert [(s.body, s.outcome, s.due) for s in d.steps] == [
        ("bhxh", "ahead", date(2020, 5, 5)),
        ("province", None, date(2020, 5, 11)),
    ]
    assert d.steps[1].name == "Ủy ban nhân dân thành phố Hải Phòng"
    # handing over again (a retried message) adds no second step
    assert len(deadlines.handed_to_authority(d, "province", forwarded_at).steps) == 2
    # the last day it could apologise is Friday 8/5; before that it is not predicted late
    cal = deadlines.calendar()
    assert apology_due_by(d.steps[1], cal) == date(2020, 5, 8)
    assert not predicted_late(d.steps[1], date(2020, 5, 7), cal) and predicted_late(d.steps[1], date(2020, 5, 8), cal)
    # a decision on Tuesday 12/5 is past its own deadline
    assert deadlines.finished(d, datetime(2020, 5, 12, 9, 0, tzinfo=VIETNAM_TZ)).steps[1].outcome == "after"


def test_an_apology_moves_the_step_and_keeps_the_later_steps_their_time() -> None:
    d = accepted("suspension_support")
    # BHXH late: 3 more days after 5/5 (Fri 8/5), then the authorities' 5: Fri 15/5
    assert deadlines.new_dates(d, d.steps[0], None) == (date(2020, 5, 8), date(2020, 5, 15))
    assert deadlines.new_dates(d, d.steps[0], 1) == (date(2020, 5, 6), date(2020, 5, 13))
    # forwarded early (Wed 29/4), the province is due Fri 8/5, before the appointment (Tue 12/5)
    forwarded = deadlines.handed_to_authority(d, "province", datetime(2020, 4, 29, 10, 0, tzinfo=VIETNAM_TZ))
    assert (forwarded.steps[1].due, forwarded.due_date) == (date(2020, 5, 8), date(2020, 5, 12))
    # late by 3: the new appointment is its new deadline, Wed 13/5; late by 1, the appointment stays 12/5
    assert deadlines.new_dates(forwarded, forwarded.steps[1], 3) == (date(2020, 5, 13), date(2020, 5, 13))
    assert deadlines.new_dates(forwarded, forwarded.steps[1], 1) == (date(2020, 5, 11), date(2020, 5, 12))


def test_outcomes_against_the_steps_own_deadline() -> None:
    assert [outcome(date(2020, 5, 5), d) for d in (date(2020, 5, 4), date(2020, 5, 5), date(2020, 5, 6))] == [
        "ahead",
        "on",
        "after",
    ]
    step = accepted("pension_pause").steps[0]
    assert close_step(step, datetime(2020, 5, 7, 16, 59, tzinfo=VIETNAM_TZ)).outcome == "on"


def test_every_procedure_is_well_formed() -> None:
    for rules in PROCEDURES.values():
        assert rules.steps[0].body == "bhxh"
        assert (rules.forwarded_to is None) == (len(rules.steps) == 1)
        assert rules.time_limit_days == sum(s.days for s in rules.steps)
