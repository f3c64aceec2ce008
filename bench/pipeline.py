"""End-to-end throughput on the local stack: submit → `forwarded` for dossiers with a one-page
scanned worker list each, beside the pure OCR time of the same pages (bare single-threaded
`tesseract`, one per core), in the same run. The stack's workers share the cores whatever their
number (each OCRs with `cores // workers` threads: `chalicelib/local/serve.py`), so one tesseract per
core is OCR at the pipeline's own parallelism, and the machine's OCR ceiling.

`--realistic` (issue 21): dossiers as employers send them, a signed request and a scanned list of
30-50 workers of one unit (each in the registry, so every check runs on every row) over 2-4 pages,
at 200 or 300 dpi, degraded as a scanner does and sent as a scanner's PDF; the bare OCR reads the
same page images (as PNG). Beside the ratio it reports the CPU-seconds per dossier of the API and
of the workers (from /proc: `motcua serve`'s own process and the worker processes with their
children), the emulator's apart, the bare OCR's CPU-seconds for the same pages, and our own
extraction's on the same attachments in this process after the stack stopped (`ocr`: the warm
engine's readings alone; `extraction`: the whole `extract_document`): `outside_ocr` = API + workers
− `ocr` is what our code spends around OCR (decoding, layout, fields, checks, slips, queues),
`outside_extraction` the same beyond the whole extraction step.

`--profile FILE`: py-spy samples the API, the workers and the emulator while the dossiers go
through (without pausing them; the thread holding the GIL only, so what Python itself spends, OCR
apart), and FILE gets each process's functions with the most samples, own and with what they call
(docs/bench/profile-*.md).

Run: `.venv/bin/python bench/pipeline.py [--dossiers 8] [--workers 2] [--realistic] [--profile FILE]`;
prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import re
import resource
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

from common import FINAL_STATUSES, loadavg, process_cpu, start_stack, token  # noqa: E402

from chalicelib.local.employer import ensure_demo_employer, sign_as_employer  # noqa: E402
from tests.helpers import pdf_bytes  # noqa: E402
from tests.scans.generate import Document, Worker, degrade, render_pages, render_pdf, save_png, save_scanner_pdf  # noqa: E402

POLL_S = 1.0
"""Seconds between two looks at the dossiers' status."""


def cores() -> int:
    """The cores this process may use (the container's, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def pure_ocr(pages: list[bytes], parallel: int) -> float:
    """Seconds for bare single-threaded tesseract to read `pages`, `parallel` at once (its CPU-seconds
    are in this process's `RUSAGE_CHILDREN`)."""
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


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, kind) of `pid` and every process under it, kind as `process_cpu` names them."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            todo += [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            continue
        kind = (
            "emulator"
            if "chalicelib.local.emulator" in cmd
            else "worker"
            if "chalicelib.cli worker" in cmd
            else "api"
            if p == pid
            else ""
        )
        if kind:
            out.append((p, kind))
    return out


def start_profiles(pid: int, folder: Path) -> list[tuple[str, subprocess.Popen, Path]]:
    """py-spy on each of the stack's Python processes (collapsed stacks; only the thread holding the
    GIL, i.e. Python's own CPU: Tesseract and pdfium release it, so OCR and rendering are not in it)."""
    spy = Path(sys.executable).with_name("py-spy")
    started = []
    for i, (p, kind) in enumerate(_descendants(pid)):
        out = folder / f"{kind}-{i}.txt"
        command = [str(spy), "record", "-p", str(p), "-r", "50", "-f", "raw", "-o", str(out), "--nonblocking", "--gil"]
        started.append((kind, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out))
    return started


def stop_profiles(started: list[tuple[str, subprocess.Popen, Path]], target: Path, title: str) -> None:
    """Stop py-spy (it writes its file on SIGINT) and write the top functions of each kind of process."""
    import signal

    for _, proc, _ in started:
        proc.send_signal(signal.SIGINT)
    for _, proc, _ in started:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    by_kind: dict[str, list[Path]] = {}
    for kind, _, out in started:
        by_kind.setdefault(kind, []).append(out)
    lines = [
        f"# Where the stack spends its CPU: {title}",
        "",
        f"Taken {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {loadavg()}.",
        "",
    ]
    for kind, files in sorted(by_kind.items()):
        own: dict[str, int] = {}
        inclusive: dict[str, int] = {}
        total = 0
        for f in files:
            if not f.exists():
                continue
            for line in f.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                n = int(count)
                frames = [  # per function, not per line: "name (path:line)" -> "name (path)"
                    re.sub(r":\d+\)$", ")", fr)
                    .replace(str(ROOT) + "/", "")
                    .replace(".venv/lib/python3.11/site-packages/", "")
                    for fr in stack.split(";")
                    if not fr.startswith(("process ", "thread "))
                ]
                if not frames:
                    continue
                total += n
                own[frames[-1]] = own.get(frames[-1], 0) + n
                for fr in set(frames):
                    inclusive[fr] = inclusive.get(fr, 0) + n
        if not total:
            continue
        lines += [
            f"## {kind} ({len(files)} process(es), {total} samples at 50 Hz)",
            "",
            "| own % | with callees % | function |",
            "|---|---|---|",
        ]
        for fr, n in sorted(own.items(), key=lambda kv: -kv[1])[:12]:
            lines.append(f"| {100 * n / total:.1f} | {100 * inclusive[fr] / total:.1f} | `{fr}` |")
        lines += ["", "Most inclusive (what the samples were under):", "", "| with callees % | function |", "|---|---|"]
        for fr, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:15]:
            lines.append(f"| {100 * n / total:.1f} | `{fr}` |")
        lines.append("")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")


def our_extraction_cpu(attachments: list[tuple[bytes, str]]) -> dict[str, float]:
    """CPU-seconds our extraction spends on the same worker lists, in this process, one page at a
    time as a worker with one OCR thread reads them: `ocr`, the engine's readings alone (the thread
    CPU of each `read`), and `extraction`, the whole `extract_document` (decoding, OCR, layout,
    fields). What a worker spends beyond them is what our code costs around OCR."""
    os.environ["MOTCUA_OCR_WORKERS"] = "1"
    from chalicelib.config import settings
    from chalicelib.extraction import engine as ocr_engine
    from chalicelib.extraction import extract_document

    settings.cache_clear()
    used = ocr_engine.engine()
    reading = type(used).read
    spent = {"ocr": 0.0}

    def timed(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.thread_time()
        try:
            return reading(self, *args, **kwargs)
        finally:
            spent["ocr"] += time.thread_time() - started

    type(used).read = timed  # type: ignore[method-assign]
    try:
        extract_document(*attachments[0])  # the model loaded, the imports made: a warm worker
        spent["ocr"] = 0.0
        before = time.process_time()
        for data, content_type in attachments:
            extract_document(data, content_type)
        return {"ocr": spent["ocr"], "extraction": time.process_time() - before}
    finally:
        type(used).read = reading  # type: ignore[method-assign]


def _cpu_since(before: resource.struct_rusage) -> float:
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (now.ru_utime - before.ru_utime) + (now.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="queue-worker processes (MOTCUA_WORKERS)")
    parser.add_argument("--realistic", action="store_true", help="30-50 workers over 2-4 scanned pages each")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--profile", type=Path, help="write the py-spy profile of the stack's processes here")
    args = parser.parse_args()
    name = f"pipeline-{'realistic-' if args.realistic else ''}w{args.workers}"
    stack = start_stack(args.workers, prefix="motcua-pipeline-", name=name)
    rng = random.Random(args.seed)
    listed = 0
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
        # people the portal can send (an ID number of 9 or 12 digits: the demo also has some without)
        rows = [r for r in rows if seen[r["si_number"]] == 1 and re.fullmatch(r"[0-9]{9}|[0-9]{12}", r["id_number"])]
        requests_by_tax: dict[str, bytes] = {}  # each dossier's request signed as its applicant

        def signed_request(unit: dict[str, str]) -> bytes:
            if unit["tax_code"] not in requests_by_tax:
                employer = ensure_demo_employer(state, unit["tax_code"], name=unit["unit_name"])
                text = pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong")
                requests_by_tax[unit["tax_code"]] = sign_as_employer(text, employer)
            return requests_by_tax[unit["tax_code"]]

        by_unit: dict[str, list[dict[str, str]]] = {}
        for r in rows:
            by_unit.setdefault(r["unit_code"], []).append(r)
        big_units = sorted((u for u, rs in by_unit.items() if len(rs) >= 30), key=lambda u: -len(by_unit[u]))
        if args.realistic and len(big_units) < args.dossiers:
            raise SystemExit(f"the demo registry has {len(big_units)} units of 30 or more workers")
        pages, ids = [], []
        attachments: list[tuple[bytes, str]] = []
        for i in range(args.dossiers):
            if args.realistic:
                unit = units[big_units[i]]
                count = rng.randint(30, min(50, len(by_unit[big_units[i]])))
                chosen = rng.sample(by_unit[big_units[i]], count)
                page_count = rng.randint(2, 4)
                dpi = rng.choice((200, 300))
            else:
                r = rows[i]
                unit, chosen, page_count, dpi = units[r["unit_code"]], [r], 1, 300
            workers = [
                Worker(r["full_name"], r["si_number"], r["date_of_birth"], r["id_number"], "2020-04-01", "2020-05-31")
                for r in chosen
            ]
            listed += len(workers)
            per_page = -(-len(workers) // page_count)
            rendered = render_pages(
                render_pdf(Document(unit["unit_code"], unit["tax_code"], unit["unit_name"], workers), per_page), dpi
            )
            if args.realistic:
                images = [degrade(p, rng, skew=rng.uniform(-1.0, 1.0)) for p in rendered]
                pages += [save_png(p, dpi) for p in images]
                attachment, content_type, filename = save_scanner_pdf(images, dpi), "application/pdf", "worker_list.pdf"
            else:
                page = save_png(rendered[0], 300)
                pages.append(page)
                attachment, content_type, filename = page, "image/png", "worker_list.png"
            attachments.append((attachment, content_type))
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
                    for worker in workers
                ],
            }
            dossier = requests.post(f"{base}/v1/dossiers", json=body, headers=portal, timeout=60).json()
            if "id" not in dossier:
                raise SystemExit(f"create refused: {json.dumps(dossier, ensure_ascii=False)[:1000]}")
            requests.put(
                f"{base}/v1/dossiers/{dossier['id']}/attachments/request.pdf",
                data=signed_request(unit),
                headers={**portal, "Content-Type": "application/pdf"},
                timeout=60,
            )
            requests.put(
                f"{base}/v1/dossiers/{dossier['id']}/attachments/{filename}",
                data=attachment,
                headers={**portal, "Content-Type": content_type},
                timeout=60,
            )
            ids.append(dossier["id"])
        # pure OCR just before and just after the pipeline run, their mean: the shared machine's
        # load drifts over a minute, and bracketing spreads that drift over both sides of the ratio
        ocr_cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        ocr_before = pure_ocr(pages, cores())
        ocr_cpu = _cpu_since(ocr_cpu_before)
        load_at_start = loadavg()
        cpu_before = process_cpu(stack.process.pid)
        profiles = start_profiles(stack.process.pid, Path(tempfile.mkdtemp())) if args.profile else []
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
        not_forwarded: dict[str, list[str]] = {}
        for dossier_id in ids:
            view = requests.get(f"{base}/v1/dossiers/{dossier_id}", headers=portal, timeout=60).json()
            history = view["history"]
            if view["status"] != "forwarded":  # what sent it elsewhere: codes and places, no personal data
                not_forwarded[dossier_id] = [
                    f"{f['code']} {f.get('field') or ''} row {f.get('row')}".strip() for f in view.get("findings", [])
                ]
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
        cpu_after = process_cpu(stack.process.pid)
        if profiles:
            kind = "realistic dossiers" if args.realistic else "one-row dossiers"
            stop_profiles(profiles, args.profile, f"{args.dossiers} {kind}, {args.workers} worker processes")
    finally:
        stack.stop()
    ocr_after = pure_ocr(pages, cores())
    ours = our_extraction_cpu(attachments)
    ocr_s = (ocr_before + ocr_after) / 2

    spent = {k: cpu_after.get(k, 0.0) - cpu_before.get(k, 0.0) for k in cpu_after}
    workers_cpu = sum(v for k, v in spent.items() if k.startswith(("worker", "tesseract")))
    per_dossier = {
        "api": spent.get("api", 0.0) + spent.get("api_children", 0.0),
        "workers": workers_cpu,
        "emulator": spent.get("emulator", 0.0) + spent.get("emulator_children", 0.0),
        "bare_ocr": ocr_cpu,
        "ocr": ours["ocr"],
        "extraction": ours["extraction"],
        "outside_ocr": workers_cpu + spent.get("api", 0.0) - ours["ocr"],
        "outside_extraction": workers_cpu + spent.get("api", 0.0) - ours["extraction"],
    }
    outcome: dict[str, int] = {}
    for s in statuses.values():
        outcome[s] = outcome.get(s, 0) + 1
    print(
        json.dumps(
            {
                "dossiers": args.dossiers,
                "realistic": args.realistic,
                "pages": len(pages),
                "workers_listed": listed,
                "worker_processes": args.workers,
                "loadavg_start": load_at_start,
                "loadavg_end": loadavg(),
                "cpu_s_per_dossier": {k: round(v / args.dossiers, 2) for k, v in per_dossier.items()},
                "outcomes": outcome,
                "not_forwarded": not_forwarded,
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
