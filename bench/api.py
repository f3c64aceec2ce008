"""API latency on the local stack: `POST /v1/dossiers` and `GET /v1/health`, sequential and concurrent.

Starts `motcua serve` on free ports (as `make run` does), unless `--base` names a running one.
Prints one JSON object of figures. Run: `.venv/bin/python bench/api.py [--calls 1000] [--clients 16]`.
"""
from __future__ import annotations

import argparse
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
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from chalicelib.local.stack import PROJECT_DIR, free_port  # noqa: E402


def body() -> dict:
    return {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:12]}",
        "procedure": "suspension_support",
        "applicant": {"unit_code": "TA1234A", "tax_code": "0101234567", "name": "Công ty TNHH A", "province_code": "031"},
        "workers": [
            {"full_name": "Nguyễn Văn An", "si_number": "0123456789", "date_of_birth": "1985-10-12", "id_number": "031085123456", "period_from": "2020-04-01", "period_to": "2020-05-31"}
        ],
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(session: requests.Session, method: str, url: str, **kw) -> float:
    start = time.perf_counter()
    reply = session.request(method, url, timeout=120, **kw)
    elapsed = time.perf_counter() - start
    assert reply.status_code in (200, 201), reply.text[:200]
    return elapsed * 1000


def start_stack() -> tuple[str, subprocess.Popen, Path, float]:
    state = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(PORT=str(port), MOTCUA_EMULATOR_PORT=str(free_port()), MOTCUA_STATE_DIR=str(state), MOTCUA_WORKERS="1")
    out = state / "serve.out"
    started = time.perf_counter()
    process = subprocess.Popen([str(Path(sys.executable).with_name("motcua")), "serve"], cwd=PROJECT_DIR, env=env, stdout=open(out, "wb"), stderr=subprocess.STDOUT)
    while b"motcua is ready" not in out.read_bytes():
        if process.poll() is not None:
            raise SystemExit(out.read_text())
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", process, state, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    process = None
    figures: dict[str, float] = {}
    if args.base:
        base, state = args.base, Path(os.environ.get("MOTCUA_STATE_DIR", ".motcua"))
    else:
        base, process, state, ready = start_stack()
        figures["serve_ready_s"] = round(ready, 2)
    token = subprocess.run([str(Path(sys.executable).with_name("motcua")), "token", "--role", "portal"], env={**os.environ, "MOTCUA_STATE_DIR": str(state)}, capture_output=True, text=True, check=True).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with requests.Session() as s:
            for _ in range(20):  # warm up
                timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers)
            create = [timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers) for _ in range(args.calls)]
            health = [timed(s, "GET", f"{base}/v1/health") for _ in range(args.calls)]
        figures.update(
            create_seq_p50_ms=round(statistics.median(create), 2), create_seq_p99_ms=round(pct(create, 0.99), 2),
            health_seq_p50_ms=round(statistics.median(health), 2), health_seq_p99_ms=round(pct(health, 0.99), 2),
        )

        def client(kind: str) -> list[float]:
            with requests.Session() as s:
                if kind == "create":
                    return [timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers) for _ in range(args.calls // args.clients)]
                return [timed(s, "GET", f"{base}/v1/health") for _ in range(args.calls // args.clients)]

        for kind in ("health", "create"):
            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                samples = [x for part in pool.map(client, [kind] * args.clients) for x in part]
            wall = time.perf_counter() - start
            figures[f"{kind}_c{args.clients}_p50_ms"] = round(statistics.median(samples), 2)
            figures[f"{kind}_c{args.clients}_p99_ms"] = round(pct(samples, 0.99), 2)
            figures[f"{kind}_c{args.clients}_rps"] = round(len(samples) / wall, 1)
        figures["api_vs_noop_ratio"] = round(figures[f"create_c{args.clients}_p50_ms"] / figures[f"health_c{args.clients}_p50_ms"], 2)
    finally:
        if process:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
