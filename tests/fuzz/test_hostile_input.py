"""Hostile input against the stack `make run` starts: schemathesis on every operation as every
role, hostile bytes where the API parses JSON, cursors and headers, and hypothesis-made attachments
through the whole pipeline. The short form of `bench/fuzz.py`: a fixed seed and a few examples
each, so that it is reproducible and quick."""

from __future__ import annotations

import pytest

from tests.fuzz.api import coverage_phase, fuzz_api
from tests.fuzz.files import KINDS, draw_files
from tests.fuzz.pipeline import send_through
from tests.fuzz.raw import fuzz_raw
from tests.fuzz.stack import LocalStack

pytestmark = pytest.mark.e2e

SEED = 20201122


def test_every_operation_as_every_role_answers_without_5xx_and_as_documented(hostile_stack: LocalStack) -> None:
    # GIVEN the OpenAPI document the stack serves, and tokens of the portal, a clerk, an authority, and none
    # WHEN schemathesis sends valid and invalid requests to every operation as each of them
    run = fuzz_api(hostile_stack, max_examples=2, seed=SEED)
    # THEN no answer is a 5xx, and every answer is one the document describes
    assert run.cases >= 150, run.summary()
    assert run.server_errors == [], run.summary()
    assert run.failures == {}, run.summary()


def test_schemathesis_coverage_phase_finds_nothing_as_a_clerk(hostile_stack: LocalStack) -> None:
    # GIVEN a clerk's token (the role that reaches most operations)
    # WHEN schemathesis' own runner tries boundary values, missing parts and undeclared methods
    run = coverage_phase(hostile_stack, roles=("clerk",), seed=SEED, max_examples=1)
    # THEN it reports no failure (the report of bench/fuzz.py does the same as every role)
    assert run.cases >= 200, run.summary()
    assert (run.server_errors, run.failures, run.unsent) == ([], {}, 0), run.summary()


def test_hostile_json_cursors_and_headers_are_refused_without_5xx(hostile_stack: LocalStack) -> None:
    # GIVEN bodies nested 100 000 deep, infinite numbers, lone surrogates, forged cursors, alg=none tokens...
    # WHEN they are sent where the API reads JSON, a cursor or a header
    run = fuzz_raw(hostile_stack, max_examples=80, seed=SEED)
    # THEN each is answered, never with a 5xx
    assert run.cases >= 70, run.summary()
    assert run.server_errors == [], run.summary()


def test_hostile_attachments_end_as_findings_without_crashing_a_worker(hostile_stack: LocalStack) -> None:
    # GIVEN a file of every hostile family (truncated, noise behind a magic number, huge declared
    # dimensions, TIFF directory loops, odd PDFs, odd images, files that lie about their type)
    files = draw_files(rounds=1, seed=SEED)
    assert {f.kind.split(":")[0] for f in files} == set(KINDS)
    # WHEN each goes through create, upload, submit, and the pipeline
    run = send_through(hostile_stack, files, settle_seconds=150)
    # THEN no 5xx, every dossier settles, an unreadable file is a finding, and no worker died
    assert run.clean, run.summary()
    assert sum(run.outcomes.values()) == len(files), run.outcomes
