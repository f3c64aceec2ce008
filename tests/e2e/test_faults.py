"""Faults while dossiers flow through the stack `make run` starts: workers killed at random moments,
messages delivered twice. Every dossier still reaches its end, with one receipt and one
confirmation, and no worker-month is claimed twice."""
from __future__ import annotations

import csv
import json
import os
import random
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
from tests.helpers import pdf_bytes
from tests.scans.generate import Document, Worker as ScanWorker, render_pdf

pytestmark = pytest.mark.e2e
DOSSIERS = 6


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


def worker_pids(stack: Any) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == stack.process.pid and b"worker" in cmdline:
            pids.append(int(proc.name))
    return pids


def test_dossiers_reach_their_end_through_killed_workers_and_duplicate_messages(stack: Any) -> None:
    state = stack.state_dir
    units = {u["unit_code"]: u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8"))}
    unit_code, people = max(eligible_workers(state).items(), key=lambda kv: len(kv[1]))
    assert len(people) >= DOSSIERS * 2, "the demo registry has too few eligible workers in one unit"
    unit = units[unit_code]
    employer = ensure_demo_employer(state)
    portal = stack.token("portal")
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{stack.emulator_port}", region_name="ap-southeast-1", aws_access_key_id="testing", aws_secret_access_key="testing")

    # GIVEN six dossiers of two workers each
    ids = []
    for i in range(DOSSIERS):
        workers = [
            {"full_name": p["full_name"], "si_number": p["si_number"], "date_of_birth": p["date_of_birth"], "id_number": p["id_number"] or None, "period_from": "2020-04-01", "period_to": "2020-05-31"}
            for p in people[2 * i: 2 * i + 2]
        ]
        body = {
            "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
            "procedure": "suspension_support",
            "applicant": {"unit_code": unit_code, "tax_code": unit["tax_code"], "name": unit["unit_name"], "province_code": unit["province_code"]},
            "workers": [{k: v for k, v in w.items() if v is not None} for w in workers],
        }
        dossier = requests.post(f"{stack.base}/v1/dossiers", json=body, headers=portal, timeout=30).json()
        listed = Document(unit_code, unit["tax_code"], unit["unit_name"], [ScanWorker(**{**w, "id_number": w["id_number"] or ""}) for w in workers])
        for name, data in (("request.pdf", sign_as_employer(pdf_bytes("De nghi ho tro nguoi lao dong"), employer)), ("worker_list.pdf", render_pdf(listed))):
            assert requests.put(f"{stack.base}/v1/dossiers/{dossier['id']}/attachments/{name}", data=data, headers={**portal, "Content-Type": "application/pdf"}, timeout=30).status_code == 200
        ids.append(dossier["id"])

    # WHEN they are submitted, every message is delivered twice, and workers are killed at random
    extract_url = sqs.get_queue_url(QueueName="motcua-local-extract")["QueueUrl"]
    workflow_url = sqs.get_queue_url(QueueName="motcua-local-workflow")["QueueUrl"]
    for dossier_id in ids:
        assert requests.post(f"{stack.base}/v1/dossiers/{dossier_id}/submit", headers=portal, timeout=30).status_code == 202
        sqs.send_message(QueueUrl=extract_url, MessageBody=json.dumps({"dossier_id": dossier_id, "step": "extract", "round": 1}))
    rng, kills, deadline = random.Random(7), 0, time.monotonic() + 240
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {i: requests.get(f"{stack.base}/v1/dossiers/{i}", headers=portal, timeout=30).json()["status"] for i in ids}
        for dossier_id, status in statuses.items():
            if status in ("accepted", "confirmed"):
                sqs.send_message(QueueUrl=workflow_url, MessageBody=json.dumps({"dossier_id": dossier_id, "step": "confirm", "round": 1}))
        if all(s == "forwarded" for s in statuses.values()) and kills >= 20:
            break
        pids = worker_pids(stack)
        if pids and kills < 30:
            os.kill(rng.choice(pids), signal.SIGKILL)
            kills += 1
        time.sleep(rng.uniform(0.2, 1.2))

    # THEN every dossier reached forwarded, with exactly one receipt and one confirmation
    assert kills >= 20
    assert statuses == {i: "forwarded" for i in ids}, statuses
    for dossier_id in ids:
        dossier = requests.get(f"{stack.base}/v1/dossiers/{dossier_id}", headers=portal, timeout=30).json()
        assert sorted(d["kind"] for d in dossier["documents"]) == ["confirmation", "receipt"], dossier["documents"]
        assert [h["status"] for h in dossier["history"]] == ["draft", "submitted", "processing", "accepted", "confirmed", "forwarded"]
        assert dossier["findings"] == []
