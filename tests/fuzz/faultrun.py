"""A batch of dossiers flowing through the stack while it is hurt, and the audit afterwards.

The faults, all at once, as issue 9 lists them: queue workers killed with SIGKILL at random moments
(`motcua serve` starts them again, as Lambda would), the emulator refusing every DynamoDB, S3 and
SQS write for a few seconds (`chalicelib.local.emulator`'s fault switch), and every step message
delivered twice (the run sends its own copy of each). Two of the dossiers claim the same worker's
months, so the claims ledger is contested while all this happens.

The audit reads the outcome from the API and from the tables themselves: each dossier is in a final
state; an accepted one has exactly one receipt and one confirmation (in its view, and one number
each in the slip register); each worker-month is claimed once, by the dossier that won it; and the
contested pair ended with one winner and one `duplicate_claim`. `lost` and `duplicates` count what
broke these rules (both must be 0).
"""

from __future__ import annotations

import csv
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from chalicelib.local.emulator import duplicate_messages, fault_status, refuse_writes
from tests.fuzz.stack import StackLike, aws_client, dead_letters, replay_dead_letters, worker_pids, worker_restarts
from tests.helpers import pdf_bytes

__all__ = ["FaultRun", "audit", "eligible_workers", "prepare_dossiers", "run_faults"]

PROCEDURE = "suspension_support"
MONTHS = ("2020-04", "2020-05")
FINAL = ("forwarded", "needs_correction", "rejected")
"""Where the pipeline leaves a dossier for good (until the applicant or the authority acts)."""


@dataclass
class FaultRun:
    dossiers: int = 0
    kills: int = 0
    refusal_windows: int = 0
    refused_writes: dict[str, int] = field(default_factory=dict)
    duplicated: dict[str, int] = field(default_factory=dict)
    """Messages the emulator delivered twice, by step (`extract`, `check`, `confirm`)."""
    replayed: int = 0
    """Dead letters sent back by `motcua dlq replay` (a message whose worker was killed 5 times)."""
    lost: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.dossiers} dossiers, {self.kills} kills, {self.refusal_windows} refusal window(s) refusing {self.refused_writes}, "
            f"{self.duplicated} duplicate deliveries, {self.replayed} dead letters replayed: statuses {self.statuses}, lost {self.lost}, duplicates {self.duplicates}, "
            f"dead letters {self.dead_letters}\n" + "\n".join(self.problems[:20])
        )


def eligible_workers(state_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Demo participants in one period, in compulsory insurance since before 2020, by unit."""
    rows = list(csv.DictReader(open(state_dir / "participants.csv", encoding="utf-8")))
    count: dict[str, int] = {}
    for r in rows:
        count[r["si_number"]] = count.get(r["si_number"], 0) + 1
    by_unit: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if count[r["si_number"]] == 1 and not r["participation_to"] and r["participation_from"] <= "2019-12":
            by_unit.setdefault(r["unit_code"], []).append(r)
    return by_unit


@dataclass(frozen=True)
class Planned:
    id: str
    si_numbers: tuple[str, ...]


def prepare_dossiers(stack: StackLike, count: int, contested: bool = True) -> list[Planned]:
    """`count` complete dossiers of two workers each (signed request, scanned list), not submitted.

    With `contested`, the last one names the first one's first worker again: one of the two must
    get that worker's months and the other a `duplicate_claim`."""
    from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
    from tests.scans.generate import Document, render_pdf
    from tests.scans.generate import Worker as ScanWorker

    state = stack.state_dir
    units = {u["unit_code"]: u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8"))}
    unit_code, people = max(eligible_workers(state).items(), key=lambda kv: len(kv[1]))
    needed = 2 * count - (1 if contested and count > 1 else 0)
    if len(people) < needed:
        raise RuntimeError(f"the demo registry has {len(people)} eligible workers in one unit; {needed} needed")
    unit = units[unit_code]
    employer = ensure_demo_employer(state, unit["tax_code"], name=unit["unit_name"])  # signs as the applicant
    request = sign_as_employer(pdf_bytes("De nghi ho tro nguoi lao dong"), employer)
    portal = stack.token("portal")
    planned = []
    for i in range(count):
        chosen = people[2 * i : 2 * i + 2]
        if contested and count > 1 and i == count - 1:
            chosen = [people[0], people[2 * i]]
        workers = [
            {
                "full_name": p["full_name"],
                "si_number": p["si_number"],
                "date_of_birth": p["date_of_birth"],
                "id_number": p["id_number"] or None,
                "period_from": "2020-04-01",
                "period_to": "2020-05-31",
            }
            for p in chosen
        ]
        body = {
            "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
            "procedure": PROCEDURE,
            "applicant": {
                "unit_code": unit_code,
                "tax_code": unit["tax_code"],
                "name": unit["unit_name"],
                "province_code": unit["province_code"],
            },
            "workers": [{k: v for k, v in w.items() if v is not None} for w in workers],
        }
        dossier = requests.post(f"{stack.base}/v1/dossiers", json=body, headers=portal, timeout=60).json()
        listed = Document(
            unit_code,
            unit["tax_code"],
            unit["unit_name"],
            [ScanWorker(**{**w, "id_number": w["id_number"] or ""}) for w in workers],
        )
        for name, data in (("request.pdf", request), ("worker_list.pdf", render_pdf(listed))):
            reply = requests.put(
                f"{stack.base}/v1/dossiers/{dossier['id']}/attachments/{name}",
                data=data,
                headers={**portal, "Content-Type": "application/pdf"},
                timeout=60,
            )
            reply.raise_for_status()
        planned.append(Planned(dossier["id"], tuple(w["si_number"] for w in workers)))
    return planned


STEP_QUEUES = {"extract": "motcua-local-extract", "check": "motcua-local-check", "confirm": "motcua-local-workflow"}
"""The queues whose every message the emulator delivers twice during the run, by the step they carry."""


def run_faults(
    stack: StackLike,
    dossiers: int = 6,
    min_kills: int = 20,
    max_kills: int = 30,
    refuse_seconds: float = 4.0,
    refusal_windows: int = 1,
    seed: int = 7,
    deadline_seconds: float = 240,
) -> FaultRun:
    """Submit a batch, hurt the stack until it is through (and the kills are done), then audit it."""
    started = time.monotonic()
    rng = random.Random(seed)
    planned = prepare_dossiers(stack, dossiers)
    ids = [p.id for p in planned]
    emulator = f"http://127.0.0.1:{stack.emulator_port}"
    run = FaultRun(dossiers=len(ids))
    before = fault_status(emulator)["duplicated"]
    duplicate_messages(emulator, STEP_QUEUES.values())
    try:
        _hurt(stack, ids, run, rng, refuse_seconds, refusal_windows, min_kills, max_kills, deadline_seconds)
    finally:
        after = duplicate_messages(emulator, ())["duplicated"]
    run.duplicated = {step: after.get(queue, 0) - before.get(queue, 0) for step, queue in STEP_QUEUES.items()}
    run.refused_writes = fault_status(emulator)["refused"]
    audit(stack, planned, run)
    run.seconds = round(time.monotonic() - started, 1)
    return run


def _hurt(
    stack: StackLike,
    ids: list[str],
    run: FaultRun,
    rng: random.Random,
    refuse_seconds: float,
    refusal_windows: int,
    min_kills: int,
    max_kills: int,
    deadline_seconds: float,
) -> None:
    """Submit the batch, then kill workers and open refusal windows until every dossier has settled."""
    portal = stack.token("portal")
    emulator = f"http://127.0.0.1:{stack.emulator_port}"
    for dossier_id in ids:
        reply = requests.post(f"{stack.base}/v1/dossiers/{dossier_id}/submit", headers=portal, timeout=60)
        if reply.status_code != 202:
            run.problems.append(f"submit {dossier_id}: {reply.status_code} {reply.text[:200]}")
    deadline = time.monotonic() + deadline_seconds
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {}
        for dossier_id in ids:
            try:
                statuses[dossier_id] = requests.get(
                    f"{stack.base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60
                ).json()["status"]
            except (requests.RequestException, ValueError, KeyError):
                statuses[dossier_id] = "unknown"
        # a window opens as soon as the pipeline is at work (the first one while most of the batch is
        # still ahead of it, so writes are refused whatever the machine's speed), the next ones later
        moving = any(s not in ("draft", "submitted") for s in statuses.values())
        if run.refusal_windows < refusal_windows and moving and (run.refusal_windows == 0 or rng.random() < 0.5):
            refuse_writes(emulator, refuse_seconds)
            run.refusal_windows += 1
        windows_done = run.refusal_windows >= refusal_windows and fault_status(emulator)["refusing_for"] == 0
        if all(s in FINAL for s in statuses.values()) and run.kills >= min_kills and windows_done:
            break
        if run.kills >= max_kills and windows_done and dead_letters(stack):
            # A message whose worker was killed under it maxReceiveCount (5) times is a dead letter,
            # by design: the operator replays it once the storm is over (DESIGN.md, idempotency).
            run.replayed += replay_dead_letters(stack)
        pids = worker_pids(stack)
        if pids and run.kills < max_kills:
            os.kill(rng.choice(pids), signal.SIGKILL)
            run.kills += 1
        time.sleep(rng.uniform(0.2, 1.2))


def _scan(stack: StackLike, table: str) -> list[dict[str, Any]]:
    db = aws_client(stack, "dynamodb")
    items: list[dict[str, Any]] = []
    for page in db.get_paginator("scan").paginate(TableName=f"motcua-local-{table}", ConsistentRead=True):
        items += [{k: next(iter(v.values())) for k, v in item.items()} for item in page["Items"]]
    return items


def audit(stack: StackLike, planned: list[Planned], run: FaultRun) -> None:
    """Count into `run` what was lost and what was done twice, from the API and the tables."""
    portal = stack.token("portal")
    views = {p.id: requests.get(f"{stack.base}/v1/dossiers/{p.id}", headers=portal, timeout=60) for p in planned}
    claims = [c for c in _scan(stack, "claims") if c.get("dossier_id") in views]
    slips = [
        s for s in _scan(stack, "slips") if str(s.get("key", "")).startswith("slip#") and s.get("dossier_id") in views
    ]
    held: dict[str, set[str]] = {}
    for claim in claims:
        held.setdefault(claim["dossier_id"], set()).add(claim["claim_key"])
    numbers: dict[tuple[str, str], set[str]] = {}
    for slip in slips:
        numbers.setdefault((slip["dossier_id"], slip["kind"]), set()).add(slip["number"])
    owners: dict[str, list[str]] = {}
    for p in planned:
        for si in p.si_numbers:
            owners.setdefault(si, []).append(p.id)

    for p in planned:
        reply = views[p.id]
        if reply.status_code != 200:
            run.lost += 1
            run.problems.append(f"{p.id}: not found ({reply.status_code})")
            continue
        dossier = reply.json()
        status = dossier["status"]
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status not in FINAL:
            run.lost += 1
            run.problems.append(f"{p.id}: stuck in {status}")
            continue
        kinds = [d["kind"] for d in dossier["documents"]]
        history = [h["status"] for h in dossier["history"]]
        repeated = len(history) - len(set(history))
        if repeated:
            run.duplicates += repeated
            run.problems.append(f"{p.id}: a status recorded twice in its history {history}")
        # one number per slip the dossier lists (the control slip is issued again at every hand-over)
        for kind, slip_numbers in ((k, numbers.get((p.id, k), set())) for k in set(kinds)):
            if len(slip_numbers) > kinds.count(kind):
                run.duplicates += len(slip_numbers) - kinds.count(kind)
                run.problems.append(f"{p.id}: {len(slip_numbers)} {kind} numbers taken")
        contested = [si for si in p.si_numbers if len(owners[si]) > 1]
        if status == "forwarded":
            for kind in ("receipt", "confirmation"):
                if kinds.count(kind) != 1:
                    run.duplicates += max(0, kinds.count(kind) - 1)
                    run.lost += kinds.count(kind) == 0
                    run.problems.append(f"{p.id}: {kinds.count(kind)} {kind}(s)")
            expected = {f"{PROCEDURE}#{si}#{m}" for si in p.si_numbers for m in MONTHS}
            if held.get(p.id, set()) != expected:
                run.lost += len(expected - held.get(p.id, set()))
                run.duplicates += len(held.get(p.id, set()) - expected)
                run.problems.append(f"{p.id}: holds {len(held.get(p.id, set()))} claims, {len(expected)} expected")
        elif contested and any(f["code"] == "duplicate_claim" for f in dossier["findings"]):
            for si in contested:
                if any(f"#{si}#" in key for key in held.get(p.id, set())):
                    run.duplicates += 1
                    run.problems.append(f"{p.id}: lost the contest yet holds a contested claim")
        else:
            run.problems.append(
                f"{p.id}: ended {status} with findings {sorted({f['code'] for f in dossier['findings']})}"
            )
            run.lost += 1
    for si, holders in owners.items():  # a contested worker's month is held by one dossier at most
        for month in MONTHS:
            key = f"{PROCEDURE}#{si}#{month}"
            count = sum(1 for c in claims if c["claim_key"] == key)
            if len(holders) > 1 and count != 1:
                run.problems.append(f"contested claim held {count} times")
                run.duplicates += max(0, count - 1)
                run.lost += count == 0
    winners = [
        p.id
        for p in planned
        if len(p.si_numbers)
        and any(len(owners[si]) > 1 for si in p.si_numbers)
        and views[p.id].status_code == 200
        and views[p.id].json()["status"] == "forwarded"
    ]
    if any(len(h) > 1 for h in owners.values()) and len(winners) != 1:
        run.problems.append(f"the contested pair has {len(winners)} winners")
        run.duplicates += max(0, len(winners) - 1)
    run.dead_letters = dead_letters(stack)
    restarts = worker_restarts(stack)
    if any(code != -signal.SIGKILL for code in restarts):
        run.problems.append(f"workers exited by themselves: {[c for c in restarts if c != -signal.SIGKILL]}")
