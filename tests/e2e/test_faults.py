"""Faults while dossiers flow through the stack `make run` starts: workers killed at random moments,
the emulator refusing every write for a few seconds, messages delivered twice, a worker's months
claimed by two dossiers at once. Every dossier still reaches its end, with one receipt and one
confirmation, and no worker-month is claimed twice. The short form of `bench/faults.py`; the
scenario and its audit are `tests/fuzz/faultrun.py`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.faultrun import run_faults

pytestmark = pytest.mark.e2e


def test_dossiers_reach_their_end_through_killed_workers_refused_writes_and_duplicate_messages(stack: Any) -> None:
    # GIVEN six dossiers of two workers each, the last naming the first one's first worker again
    # WHEN they are submitted, the emulator delivers every step message twice, workers are killed 20+ times at
    # random moments and the emulator refuses every write for 4 seconds while the batch flows
    run = run_faults(stack, dossiers=6, min_kills=20, max_kills=30, refuse_seconds=4, seed=7, deadline_seconds=240)

    # THEN the faults did happen
    assert run.kills >= 20, run.summary()
    assert run.refusal_windows == 1 and sum(run.refused_writes.values()) > 0, run.summary()
    # every message of the three step queues was delivered twice by the emulator: at least one of
    # each step per dossier that got that far (all six were read and checked, five confirmed)
    assert run.duplicated["extract"] >= 6 and run.duplicated["check"] >= 6, run.summary()
    assert run.duplicated["confirm"] >= 5, run.summary()
    # AND nothing was lost or done twice: five forwarded with one receipt and one confirmation each,
    # the contested worker's months held by one dossier, the other asked to correct (duplicate_claim)
    assert (run.lost, run.duplicates) == (0, 0), run.summary()
    assert run.statuses == {"forwarded": 5, "needs_correction": 1}, run.summary()
    assert run.problems == [], run.summary()
    assert run.dead_letters == {}, run.summary()
