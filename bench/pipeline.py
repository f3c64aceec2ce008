"""End-to-end throughput on the local stack: submit → `forwarded` for dossiers with a one-page
scanned worker list each, beside the pure OCR time of the same pages (bare `tesseract`, one per
core, as the workers run it), in the same run.

Run: `.venv/bin/python bench/pipeline.py [--dossiers 8] [--workers 2]`; prints JSON.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from chalicelib.local.employer import ensure_demo_employer, sign_as_employer  # noqa: E402
from chalicelib.local.stack import PROJECT_DIR, free_port  # noqa: E402
from tests.helpers import pdf_bytes  # noqa: E402
from tests.scans.generate import Document, Worker, render_pages, render_pdf, save_png  # noqa: E402


def start(workers: int) -> tuple[str, subprocess.Popen, Path]:
    state = Path(tempfile.mkdtemp(prefix="motcua-pipeline-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(PORT=str(port), MOTCUA_EMULATOR_PORT=str(free_port()), MOTCUA_STATE_DIR=str(state), MOTCUA_WORKERS=str(workers))
    out = state / "serve.out"
    process = subprocess.Popen([str(Path(sys.executable).with_name("motcua")), "serve"], cwd=PROJECT_DIR, env=env, stdout=open(out, "wb"), stderr=subprocess.STDOUT)
    while b"motcua is ready" not in out.read_bytes():
        if process.poll() is not None:
            raise SystemExit(out.read_text())
        time.sleep(0.1)
    return f"http://127.0.0.1:{port}", process, state


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base, process, state = start(args.workers)
    try:
        token = subprocess.run([str(Path(sys.executable).with_name("motcua")), "token", "--role", "portal"], env={**os.environ, "MOTCUA_STATE_DIR": str(state)}, capture_output=True, text=True, check=True).stdout.strip()
        portal = {"Authorization": f"Bearer {token}"}
        units = {u["unit_code"]: u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8"))}
        rows = [r for r in csv.DictReader(open(state / "participants.csv", encoding="utf-8")) if not r["participation_to"] and r["participation_from"] <= "2019-12"]
        seen: dict[str, int] = {}
        for r in csv.DictReader(open(state / "participants.csv", encoding="utf-8")):
            seen[r["si_number"]] = seen.get(r["si_number"], 0) + 1
        rows = [r for r in rows if seen[r["si_number"]] == 1]
        employer = ensure_demo_employer(state)
        request = sign_as_employer(pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong"), employer)
        pages, ids = [], []
        for i in range(args.dossiers):
            r = rows[i]
            unit = units[r["unit_code"]]
            worker = Worker(r["full_name"], r["si_number"], r["date_of_birth"], r["id_number"], "2020-04-01", "2020-05-31")
            image = render_pages(render_pdf(Document(unit["unit_code"], unit["tax_code"], unit["unit_name"], [worker])), 300)[0]
            page = save_png(image, 300)
            pages.append(page)
            body = {
                "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
                "procedure": "suspension_support",
                "applicant": {"unit_code": unit["unit_code"], "tax_code": unit["tax_code"], "name": unit["unit_name"], "province_code": unit["province_code"]},
                "workers": [{"full_name": worker.full_name, "si_number": worker.si_number, "date_of_birth": worker.date_of_birth, "id_number": worker.id_number, "period_from": worker.period_from, "period_to": worker.period_to}],
            }
            dossier = requests.post(f"{base}/v1/dossiers", json=body, headers=portal, timeout=60).json()
            requests.put(f"{base}/v1/dossiers/{dossier['id']}/attachments/request.pdf", data=request, headers={**portal, "Content-Type": "application/pdf"}, timeout=60)
            requests.put(f"{base}/v1/dossiers/{dossier['id']}/attachments/worker_list.png", data=page, headers={**portal, "Content-Type": "image/png"}, timeout=60)
            ids.append(dossier["id"])
        started = time.perf_counter()
        for dossier_id in ids:
            requests.post(f"{base}/v1/dossiers/{dossier_id}/submit", headers=portal, timeout=60)
        pending = set(ids)
        statuses: dict[str, str] = {}
        while pending and time.perf_counter() - started < 900:
            for dossier_id in list(pending):
                statuses[dossier_id] = requests.get(f"{base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60).json()["status"]
                if statuses[dossier_id] in ("forwarded", "needs_correction", "rejected"):
                    pending.discard(dossier_id)
            time.sleep(0.2)
        pipeline_s = time.perf_counter() - started
        # where the time goes: each transition's median over the dossiers, from their history
        gaps: dict[str, list[float]] = {}
        for dossier_id in ids:
            history = requests.get(f"{base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60).json()["history"]
            for before, after in zip(history, history[1:]):
                seconds = (datetime.fromisoformat(after["at"]) - datetime.fromisoformat(before["at"])).total_seconds()
                gaps.setdefault(f"{before['status']}->{after['status']}", []).append(seconds)
        step_medians = {step: round(statistics.median(values), 2) for step, values in gaps.items() if not step.startswith("draft")}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)

    # the same pages through bare tesseract, one process per core, each single-threaded
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, page in enumerate(pages):
            path = Path(tmp) / f"p{i}.png"
            path.write_bytes(page)
            files.append(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        started = time.perf_counter()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(lambda f: subprocess.run(["tesseract", str(f), "-", "-l", "vie"], env=env, capture_output=True, check=True), files))
        ocr_s = time.perf_counter() - started
    outcome: dict[str, int] = {}
    for s in statuses.values():
        outcome[s] = outcome.get(s, 0) + 1
    print(json.dumps({
        "dossiers": args.dossiers,
        "worker_processes": args.workers,
        "outcomes": outcome,
        "pipeline_s": round(pipeline_s, 1),
        "pure_ocr_s": round(ocr_s, 1),
        "pipeline_vs_ocr_ratio": round(pipeline_s / ocr_s, 2),
        "pipeline_dossiers_per_min": round(args.dossiers / pipeline_s * 60, 1),
        "step_medians_s": step_medians,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
