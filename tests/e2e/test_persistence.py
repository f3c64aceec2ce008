"""The local stage keeps its data (issue 17): `make run` killed with SIGKILL, its whole process group,
at any moment, and started again on the same state directory loses nothing it acknowledged.

Each test starts its own stack on its own state directory and ports (`restartable.py`), so the
session's shared stack, and a developer's `make run`, are never touched.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.portal import DemoPortal
from tests.e2e.restartable import MOTCUA, RestartableStack
from tests.fuzz.faultrun import FINAL, PROCEDURE, FaultRun, Planned, audit, eligible_workers
from tests.fuzz.stack import aws_client
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[RestartableStack]:
    stack = RestartableStack(tmp_path / "state")
    yield stack
    stack.stop()


def _slip(stack: RestartableStack, dossier_id: str, kind: str) -> bytes:
    """The signed PDF, as a clerk downloads it (302 to a presigned URL of the slips bucket)."""
    reply = requests.get(
        f"{stack.base}/v1/dossiers/{dossier_id}/documents/{kind}", headers=stack.token("portal"), timeout=60
    )
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF-"), (reply.status_code, reply.text[:200])
    return reply.content


def _verified(stack: RestartableStack, pdf: bytes) -> dict[str, Any]:
    reply = requests.post(f"{stack.base}/v1/verify", data=pdf, headers={"Content-Type": "application/pdf"}, timeout=60)
    assert reply.status_code == 200, reply.text[:300]
    return reply.json()


def _signing_public_key(stack: RestartableStack) -> bytes:
    return aws_client(stack, "kms").get_public_key(KeyId="alias/motcua-local-signing")["PublicKey"]


def test_a_receipt_issued_before_a_kill_verifies_after_the_restart(restartable: RestartableStack) -> None:
    # GIVEN a stack that accepted a dossier and issued its receipt
    stack = restartable
    stack.start()
    portal = DemoPortal(stack, unit_rank=0)
    dossier = portal.submit(portal.workers(2))
    accepted = portal.wait_for(dossier["id"], {"accepted", "confirmed", "forwarded"}, seconds=180)
    receipt = _slip(stack, accepted["id"], "receipt")
    before = _verified(stack, receipt)
    key_before, cert_before = _signing_public_key(stack), (stack.state_dir / "signing-cert.pem").read_bytes()

    # WHEN the whole stack is killed with SIGKILL and started again
    stack.kill()
    stack.start()

    # THEN the KMS key is the same key, the certificate was not re-issued, and the receipt verifies
    assert _signing_public_key(stack) == key_before
    assert (stack.state_dir / "signing-cert.pem").read_bytes() == cert_before
    after = _verified(stack, receipt)
    assert before["valid"] and before["issued_by_system"], before
    assert after == before
    assert _slip(stack, accepted["id"], "receipt") == receipt  # the slip itself survived too


@dataclass
class Acknowledged:
    """What the stack answered with a 2xx for one dossier; all of it must be there after the kills."""

    portal_code: str
    si_numbers: tuple[str, ...]
    id: str | None = None
    attachments: dict[str, str] = field(default_factory=dict)
    """name -> SHA-256 of what was uploaded."""
    submitted: bool = False


def _until_acknowledged(stack: RestartableStack, send: Any, deadline: float) -> requests.Response:
    """Send until the stack answers (a kill cuts the connection; the stack comes back): the portal's retry."""
    while time.monotonic() < deadline:
        stack.up.wait(timeout=max(0.0, deadline - time.monotonic()))
        try:
            reply = send()
        except requests.RequestException:
            continue
        if reply.status_code < 500:
            return reply
    raise AssertionError("the stack did not come back")


def _portal_client(
    stack: RestartableStack, plans: list[Acknowledged], files: dict[str, bytes], deadline: float, errors: list[str]
) -> None:
    """Create, upload and submit each dossier, retrying every step that a kill interrupted."""
    try:
        state = stack.state_dir
        by_unit = eligible_workers(state)
        unit_code, people = max(by_unit.items(), key=lambda kv: len(kv[1]))
        import csv

        unit = next(
            u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8")) if u["unit_code"] == unit_code
        )
        portal = stack.token("portal")
        for i, plan in enumerate(plans):
            chosen = people[2 * i : 2 * i + 2]
            plan.si_numbers = tuple(p["si_number"] for p in chosen)
            body = {
                "portal_code": plan.portal_code,
                "procedure": PROCEDURE,
                "applicant": {
                    "unit_code": unit_code,
                    "tax_code": unit["tax_code"],
                    "name": unit["unit_name"],
                    "province_code": unit["province_code"],
                },
                "workers": [
                    {
                        k: v
                        for k, v in {
                            "full_name": p["full_name"],
                            "si_number": p["si_number"],
                            "date_of_birth": p["date_of_birth"],
                            "id_number": p["id_number"],
                            "period_from": "2020-04-01",
                            "period_to": "2020-05-31",
                        }.items()
                        if v
                    }
                    for p in chosen
                ],
            }
            created = _until_acknowledged(
                stack,
                lambda body=body: requests.post(f"{stack.base}/v1/dossiers", json=body, headers=portal, timeout=30),
                deadline,
            )
            assert created.status_code in (200, 201), created.text[:300]
            plan.id = created.json()["id"]
            for name, data in _files_for(chosen, unit, files).items():
                put = _until_acknowledged(
                    stack,
                    lambda plan=plan, name=name, data=data: requests.put(
                        f"{stack.base}/v1/dossiers/{plan.id}/attachments/{name}",
                        data=data,
                        headers={**portal, "Content-Type": "application/pdf"},
                        timeout=30,
                    ),
                    deadline,
                )
                assert put.status_code == 200, put.text[:300]
                plan.attachments[name] = hashlib.sha256(data).hexdigest()
            submitted = _until_acknowledged(
                stack,
                lambda plan=plan: requests.post(
                    f"{stack.base}/v1/dossiers/{plan.id}/submit", headers=portal, timeout=30
                ),
                deadline,
            )
            # 409 already_submitted: the submit that a kill cut off had been saved (the retry is told so)
            assert submitted.status_code == 202 or (
                submitted.status_code == 409 and submitted.json()["error"]["code"] == "already_submitted"
            ), submitted.text[:300]
            plan.submitted = True
    except Exception as error:  # noqa: BLE001 - reported by the test's thread
        errors.append(f"{type(error).__name__}: {error}")


def _statuses(stack: RestartableStack, plans: list[Acknowledged]) -> dict[str, str]:
    """Each created dossier's status, as far as the stack answers now."""
    found = {}
    for plan in plans:
        if plan.id is None:
            continue
        try:
            found[plan.id] = requests.get(
                f"{stack.base}/v1/dossiers/{plan.id}", headers=stack.token("portal"), timeout=30
            ).json()["status"]
        except (requests.RequestException, ValueError, KeyError):
            pass
    return found


def _progress_after(
    stack: RestartableStack, plans: list[Acknowledged], seen: dict[str, str], deadline: float
) -> dict[str, str]:
    """Poll until a dossier's status differs from `seen` (or every submitted one is done)."""
    while time.monotonic() < deadline:
        now = _statuses(stack, plans)
        if any(seen.get(k) != v for k, v in now.items()) or (now and all(v in FINAL for v in now.values())):
            return now
        time.sleep(0.5)
    raise AssertionError(f"the pipeline made no progress: {seen}")


def _files_for(chosen: list[dict[str, str]], unit: dict[str, str], files: dict[str, bytes]) -> dict[str, bytes]:
    from tests.scans.generate import Document, render_pdf
    from tests.scans.generate import Worker as ScanWorker

    workers = [
        ScanWorker(
            full_name=p["full_name"],
            si_number=p["si_number"],
            date_of_birth=p["date_of_birth"],
            id_number=p["id_number"] or "",
            period_from="2020-04-01",
            period_to="2020-05-31",
        )
        for p in chosen
    ]
    return {
        "request.pdf": files["request.pdf"],
        "worker_list.pdf": render_pdf(Document(unit["unit_code"], unit["tax_code"], unit["unit_name"], workers)),
    }


def test_nothing_acknowledged_is_lost_when_the_whole_stack_is_killed_again_and_again(
    restartable: RestartableStack,
) -> None:
    # GIVEN a stack, and a portal sending five dossiers (create, two signed attachments, submit),
    # retrying every request that a kill cut off, as the national portal does
    from chalicelib.local.employer import ensure_demo_employer, sign_as_employer

    stack, rng = restartable, random.Random(17)
    stack.start()
    by_unit = eligible_workers(stack.state_dir)
    unit_code = max(by_unit.items(), key=lambda kv: len(kv[1]))[0]
    import csv

    unit = next(
        u for u in csv.DictReader(open(stack.state_dir / "units.csv", encoding="utf-8")) if u["unit_code"] == unit_code
    )
    employer = ensure_demo_employer(stack.state_dir, unit["tax_code"], name=unit["unit_name"])
    files = {"request.pdf": sign_as_employer(pdf_bytes("De nghi ho tro nguoi lao dong"), employer)}
    plans = [Acknowledged(portal_code=f"G22.99-200512-{uuid.uuid4().hex[:10]}", si_numbers=()) for _ in range(5)]
    deadline = time.monotonic() + 420
    errors: list[str] = []
    client = threading.Thread(target=_portal_client, args=(stack, plans, files, deadline, errors), daemon=True)
    client.start()

    # WHEN the whole stack (emulator, API, workers) is killed with SIGKILL four times at random
    # moments, and started again each time: the first while the portal is sending, the others each
    # at a random moment after the pipeline moved a dossier on since the last restart
    kills = 0
    seen = _statuses(stack, plans)
    while kills < 4:
        if kills:
            seen = _progress_after(stack, plans, seen, deadline)
        time.sleep(rng.uniform(0.5, 3.0))  # a random moment, not a wait for something to happen
        stack.kill()
        kills += 1
        stack.start()
    client.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not client.is_alive() and errors == [], errors

    # THEN every acknowledged dossier is there, with every acknowledged attachment, as uploaded
    portal = stack.token("portal")
    for plan in plans:
        assert plan.id is not None and plan.submitted, plan
        view = requests.get(f"{stack.base}/v1/dossiers/{plan.id}", headers=portal, timeout=60).json()
        assert view["portal_code"] == plan.portal_code
        assert {
            a["name"]: a["sha256"] for a in view["attachments"] if a["name"] in plan.attachments
        } == plan.attachments

    # AND the pipeline finishes them all by itself (polled until done or the deadline)
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {
            p.id: requests.get(f"{stack.base}/v1/dossiers/{p.id}", headers=portal, timeout=60).json()["status"]
            for p in plans
            if p.id
        }
        if all(s in FINAL for s in statuses.values()):
            break
        time.sleep(1.0)
    assert all(s in FINAL for s in statuses.values()), statuses

    # AND each has one receipt and one confirmation, its claims, no number taken twice (the fault-run audit)
    run = FaultRun(dossiers=len(plans), kills=kills)
    audit(stack, [Planned(p.id, p.si_numbers) for p in plans if p.id], run)
    assert (run.lost, run.duplicates, run.problems) == (0, 0, []), run.summary()
    assert run.statuses == {"forwarded": len(plans)}, run.summary()

    # AND every slip verifies as issued by the system, and no slip number was given twice
    numbers = []
    for plan in plans:
        view = requests.get(f"{stack.base}/v1/dossiers/{plan.id}", headers=portal, timeout=60).json()
        for document in view["documents"]:
            numbers.append(document["number"])
            answer = _verified(stack, _slip(stack, view["id"], document["kind"]))
            assert answer["valid"] and answer["issued_by_system"], (plan.id, document, answer)
    assert len(numbers) == len(set(numbers)), numbers

    # AND the audit log's hash chains are intact
    verified = subprocess.run([MOTCUA, "audit", "verify"], env=stack.env(), capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit log intact" in verified.stdout
