"""End-to-end throughput on the local stack: submit → `forwarded` for dossiers with a one-page
scanned worker list each, beside the pure OCR time of the same pages (bare single-threaded
`tesseract`, one per core), in the same run. The stack's workers share the cores whatever their
number (each OCRs with `cores // workers` threads: `chalicelib/local/serve.py`), so one tesseract per
core is OCR at the pipeline's own parallelism, and the machine's OCR ceiling.

Run: `.venv/bin/python bench/pipeline.py [--dossiers 8] [--workers 2]`; prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import FINAL_STATUSES, start_stack, token  # noqa: E402

from chalicelib.local.employer import ensure_demo_employer, sign_as_employer  # noqa: E402
from tests.helpers import pdf_bytes  # noqa: E402
from tests.scans.generate import Document, Worker, render_pages, render_pdf, save_png  # noqa: E402

POLL_S = 1.0
"""Seconds between two looks at the dossiers' status."""


def cores() -> int:
    """The cores this process may use (the container's, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def pure_ocr(pages: list[bytes], parallel: int) -> float:
    """Seconds for bare single-threaded tesseract to read `pages`, `parallel` at once."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, page in enumerate(pages):
            path = Path(tmp) / f"p{i}.png"
            path.write_bytes(page)
            files.append(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        started = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            list(
                pool.map(
                    lambda f: subprocess.run(
                        ["tesseract", str(f), "-", "-l", "vie"], env=env, capture_output=True, check=True
                    ),
                    files,
                )
            )
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="queue-worker processes (MOTCUA_WORKERS)")
    args = parser.parse_args()
    stack = start_stack(args.workers, prefix="motcua-pipeline-")
    base, state = stack.base, stack.state
    try:
        portal = {"Authorization": f"Bearer {token(state)}"}
        units = {u["unit_code"]: u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8"))}
        rows = [
            r
            for r in csv.DictReader(open(state / "participants.csv", encoding="utf-8"))
            if not r["participation_to"] and r["participation_from"] <= "2019-12"
        ]
        seen: dict[str, int] = {}
        for r in csv.DictReader(open(state / "participants.csv", encoding="utf-8")):
            seen[r["si_number"]] = seen.get(r["si_number"], 0) + 1
        rows = [r for r in rows if seen[r["si_number"]] == 1]
        requests_by_tax: dict[str, bytes] = {}  # each dossier's request signed as its applicant

        def signed_request(unit: dict[str, str]) -> bytes:
            if unit["tax_code"] not in requests_by_tax:
                employer = ensure_demo_employer(state, unit["tax_code"], name=unit["unit_name"])
                text = pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong")
                requests_by_tax[unit["tax_code"]] = sign_as_employer(text, employer)
            return requests_by_tax[unit["tax_code"]]

        pages, ids = [], []
        for i in range(args.dossiers):
            r = rows[i]
            unit = units[r["unit_code"]]
            worker = Worker(
                r["full_name"], r["si_number"], r["date_of_birth"], r["id_number"], "2020-04-01", "2020-05-31"
            )
            image = render_pages(
                render_pdf(Document(unit["unit_code"], unit["tax_code"], unit["unit_name"], [worker])), 300
            )[0]
            page = save_png(image, 300)
            pages.append(page)
            body = {
                "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
                "procedure": "suspension_support",
                "applicant": {
                    "unit_code": unit["unit_code"],
                    "tax_code": unit["tax_code"],
                    "name": unit["unit_name"],
                    "province_code": unit["province_code"],
                },
                "workers": [
                    {
                        "full_name": worker.full_name,
                        "si_number": worker.si_number,
                        "date_of_birth": worker.date_of_birth,
                        "id_number": worker.id_number,
                        "period_from": worker.period_from,
                        "period_to": worker.period_to,
                    }
                ],
            }
            dossier = requests.post(f"{base}/v1/dossiers", json=body, headers=portal, timeout=60).json()
            requests.put(
                f"{base}/v1/dossiers/{dossier['id']}/attachments/request.pdf",
                data=signed_request(unit),
                headers={**portal, "Content-Type": "application/pdf"},
                timeout=60,
            )
            requests.put(
                f"{base}/v1/dossiers/{dossier['id']}/attachments/worker_list.png",
                data=page,
                headers={**portal, "Content-Type": "image/png"},
                timeout=60,
            )
            ids.append(dossier["id"])
        # pure OCR just before and just after the pipeline run, their mean: the shared machine's
        # load drifts over a minute, and bracketing spreads that drift over both sides of the ratio
        ocr_before = pure_ocr(pages, cores())
        started = time.perf_counter()
        started_at = datetime.now(UTC)
        for dossier_id in ids:
            requests.post(f"{base}/v1/dossiers/{dossier_id}/submit", headers=portal, timeout=60)
        pending = set(ids)
        statuses: dict[str, str] = {}
        # Poll gently: the end time comes from the dossiers' own history, not from when we looked,
        # so a slow poll loses no precision, while a fast one (8 GETs every 0.2 s, ~11 ms of API and
        # emulator CPU each) took about 0.4 of a core from the 2-core machine it measures.
        while pending and time.perf_counter() - started < 900:
            time.sleep(POLL_S)
            for dossier_id in list(pending):
                statuses[dossier_id] = requests.get(
                    f"{base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60
                ).json()["status"]
                if statuses[dossier_id] in FINAL_STATUSES:
                    pending.discard(dossier_id)
        pipeline_s = time.perf_counter() - started
        # where the time goes: each transition's median over the dossiers, from their history
        gaps: dict[str, list[float]] = {}
        finished: list[datetime] = []
        for dossier_id in ids:
            history = requests.get(f"{base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60).json()["history"]
            if history and history[-1]["status"] in FINAL_STATUSES:
                finished.append(datetime.fromisoformat(history[-1]["at"]))
            for before, after in itertools.pairwise(history):
                seconds = (datetime.fromisoformat(after["at"]) - datetime.fromisoformat(before["at"])).total_seconds()
                gaps.setdefault(f"{before['status']}->{after['status']}", []).append(seconds)
        step_medians = {
            step: round(statistics.median(values), 2) for step, values in gaps.items() if not step.startswith("draft")
        }
        if not pending and finished:  # submit to the last dossier's final state, to the millisecond
            pipeline_s = (max(finished) - started_at).total_seconds()
    finally:
        stack.stop()
    ocr_after = pure_ocr(pages, cores())
    ocr_s = (ocr_before + ocr_after) / 2

    outcome: dict[str, int] = {}
    for s in statuses.values():
        outcome[s] = outcome.get(s, 0) + 1
    print(
        json.dumps(
            {
                "dossiers": args.dossiers,
                "worker_processes": args.workers,
                "outcomes": outcome,
                "serve_ready_s": round(stack.ready_s, 1),
                "pipeline_s": round(pipeline_s, 1),
                "pure_ocr_s": round(ocr_s, 1),
                "pure_ocr_before_after_s": [round(ocr_before, 1), round(ocr_after, 1)],
                "pipeline_vs_ocr_ratio": round(pipeline_s / ocr_s, 2),
                "pipeline_dossiers_per_min": round(args.dossiers / pipeline_s * 60, 1),
                "step_medians_s": step_medians,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
