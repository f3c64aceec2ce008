"""The state machine: every pair of statuses, legal or not."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.domain.dossier import CreateDossier, Dossier
from chalicelib.domain.states import FINAL, TRANSITIONS, IllegalTransition, Status, check_transition
from tests.helpers import dossier_body

LEGAL = {
    ("draft", "submitted"),
    ("submitted", "processing"),
    ("processing", "needs_correction"),
    ("processing", "rejected"),
    ("processing", "accepted"),
    ("needs_correction", "submitted"),
    ("needs_correction", "rejected"),
    ("accepted", "confirmed"),
    ("accepted", "forwarded"),
    ("confirmed", "forwarded"),
    ("confirmed", "decided"),
    ("forwarded", "decided"),
    ("decided", "returned"),
}


@pytest.mark.parametrize("current,target", list(itertools.product(Status, Status)))
def test_every_pair_is_allowed_exactly_when_the_flow_says_so(current: Status, target: Status) -> None:
    if (current.value, target.value) in LEGAL:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_rejected_and_returned_are_the_only_ends() -> None:
    assert FINAL == {Status.REJECTED, Status.RETURNED}
    assert set(TRANSITIONS) == set(Status)


def test_advance_records_who_and_refuses_to_skip_a_step() -> None:
    # GIVEN a new dossier
    dossier = Dossier.new(CreateDossier.model_validate(dossier_body()), by="portal:dvcqg")
    # WHEN it is submitted
    submitted = dossier.advance(Status.SUBMITTED, by="portal:dvcqg")
    # THEN the copy moved, the original did not, and the history says who did it
    assert (dossier.status, submitted.status) == (Status.DRAFT, Status.SUBMITTED)
    assert [(h.status, h.by) for h in submitted.history] == [("draft", "portal:dvcqg"), ("submitted", "portal:dvcqg")]
    # AND a dossier cannot jump from submitted to accepted
    with pytest.raises(IllegalTransition, match="submitted to accepted"):
        submitted.advance(Status.ACCEPTED, by="x")
