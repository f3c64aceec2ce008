"""The checks of one 500-worker dossier against a large registry, in the local stack.

Loads a demo registry of `--participants` people (streamed, as `motcua registry load` does), takes
500 workers of one unit who are eligible, and times the check step (registry batch reads, claims
ledger, outcome and signed receipt), counting DynamoDB calls. Prints JSON.
Run: `.venv/bin/python bench/checks.py [--participants 100000]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=500)
    args = parser.parse_args()
    from chalicelib.local.serve import prepare
    from chalicelib.local.stack import free_port

    state = Path(tempfile.mkdtemp(prefix="motcua-checks-"))
    emulator = prepare(free_port(), state)
    try:
        from chalicelib.adapters.claims import claims
        from chalicelib.adapters.registry import registry
        from chalicelib.adapters.store import store
        from chalicelib.domain.dossier import CreateDossier, Dossier
        from chalicelib.domain.states import Status
        from chalicelib.local.demo import write_demo_registry
        from chalicelib.services import checking
        from chalicelib.services.registry_load import load_registry

        units_csv, people_csv = write_demo_registry(
            state, units=max(12, args.participants // 2000), participants=args.participants
        )
        started = time.perf_counter()
        report = load_registry(units_csv, people_csv, progress=False)
        load_s = time.perf_counter() - started
        counts: dict[str, int] = {}
        for r in csv.DictReader(open(people_csv, encoding="utf-8")):
            counts[r["si_number"]] = counts.get(r["si_number"], 0) + 1
        by_unit: dict[str, list[dict[str, str]]] = {}
        for r in csv.DictReader(open(people_csv, encoding="utf-8")):
            if counts[r["si_number"]] == 1 and not r["participation_to"] and r["participation_from"] <= "2019-12":
                by_unit.setdefault(r["unit_code"], []).append(r)
        unit_code, people = max(by_unit.items(), key=lambda kv: len(kv[1]))
        unit = next(u for u in csv.DictReader(open(units_csv, encoding="utf-8")) if u["unit_code"] == unit_code)
        workers = [
            {
                "full_name": p["full_name"],
                "si_number": p["si_number"],
                "date_of_birth": p["date_of_birth"],
                "period_from": "2020-04-01",
                "period_to": "2020-05-31",
            }
            for p in people[: args.workers]
        ]
        body = CreateDossier.model_validate(
            {
                "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
                "procedure": "suspension_support",
                "applicant": {
                    "unit_code": unit_code,
                    "tax_code": unit["tax_code"],
                    "name": unit["unit_name"],
                    "province_code": unit["province_code"],
                },
                "workers": workers,
            }
        )
        dossier, _ = store().create(Dossier.new(body, by="bench"))
        dossier = store().save(
            dossier.advance(Status.SUBMITTED, by="bench").model_copy(update={"received_at": dossier.created_at})
        )
        dossier = store().save(dossier.advance(Status.PROCESSING, by="bench"))
        calls_before = registry().calls + claims().calls
        started = time.perf_counter()
        findings = checking.findings_of(dossier)
        findings_s = time.perf_counter() - started
        concluded = checking.conclude(dossier, findings, 1)
        store().save(concluded)
        total_s = time.perf_counter() - started
        calls = registry().calls + claims().calls - calls_before
        print(
            json.dumps(
                {
                    "registry_participants": report.participants.loaded,
                    "registry_load_s": round(load_s, 1),
                    "dossier_workers": len(workers),
                    "findings": sorted({f.code for f in findings}),
                    "outcome": concluded.status.value,
                    "findings_s": round(findings_s, 2),
                    "check_step_s": round(total_s, 2),
                    "workers_checked_per_s": round(len(workers) / findings_s, 1),
                    "dynamodb_calls_registry_and_claims": calls,
                    "dynamodb_calls_per_worker": round(calls / len(workers), 3),
                },
                indent=2,
            )
        )
    finally:
        emulator.stop()
        shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
