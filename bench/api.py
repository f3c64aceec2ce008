"""API latency on the local stack: `POST /v1/dossiers` and `GET /v1/health`, sequential and concurrent.

Starts `motcua serve` on free ports (as `make run` does), unless `--base` names a running one.
Prints one JSON object of figures. Run: `.venv/bin/python bench/api.py [--calls 1000] [--clients 16] [--rounds 4]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import create_body as body
from common import pct, start_stack, token


def timed(session: requests.Session, method: str, url: str, **kw) -> float:
    start = time.perf_counter()
    reply = session.request(method, url, timeout=120, **kw)
    elapsed = time.perf_counter() - start
    assert reply.status_code in (200, 201), reply.text[:200]
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the concurrent health and create runs")
    args = parser.parse_args()
    stack = None
    figures: dict[str, float] = {}
    if args.base:
        base, state = args.base, Path(os.environ.get("MOTCUA_STATE_DIR", ".motcua"))
    else:
        stack = start_stack(workers=1)
        base, state = stack.base, stack.state
        figures["serve_ready_s"] = round(stack.ready_s, 2)
    headers = {"Authorization": f"Bearer {token(state)}"}
    try:
        with requests.Session() as s:
            for _ in range(20):  # warm up
                timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers)
            create = [timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers) for _ in range(args.calls)]
            health = [timed(s, "GET", f"{base}/v1/health") for _ in range(args.calls)]
        figures.update(
            create_seq_p50_ms=round(statistics.median(create), 2),
            create_seq_p99_ms=round(pct(create, 0.99), 2),
            health_seq_p50_ms=round(statistics.median(health), 2),
            health_seq_p99_ms=round(pct(health, 0.99), 2),
        )

        def client(kind: str, calls: int) -> list[float]:
            with requests.Session() as s:
                if kind == "create":
                    return [timed(s, "POST", f"{base}/v1/dossiers", json=body(), headers=headers) for _ in range(calls)]
                return [timed(s, "GET", f"{base}/v1/health") for _ in range(calls)]

        # health and create alternate in rounds, so that a burst of someone else's load on this shared
        # machine falls on both sides of the ratio rather than on one
        samples: dict[str, list[float]] = {"health": [], "create": []}
        wall: dict[str, float] = {"health": 0.0, "create": 0.0}
        per_client = max(1, args.calls // args.clients // args.rounds)
        for _ in range(args.rounds):
            for kind in ("health", "create"):
                start = time.perf_counter()
                with ThreadPoolExecutor(args.clients) as pool:
                    samples[kind] += [
                        x for part in pool.map(client, [kind] * args.clients, [per_client] * args.clients) for x in part
                    ]
                wall[kind] += time.perf_counter() - start
        for kind in ("health", "create"):
            figures[f"{kind}_c{args.clients}_p50_ms"] = round(statistics.median(samples[kind]), 2)
            figures[f"{kind}_c{args.clients}_p99_ms"] = round(pct(samples[kind], 0.99), 2)
            figures[f"{kind}_c{args.clients}_rps"] = round(len(samples[kind]) / wall[kind], 1)
        figures["api_vs_noop_ratio"] = round(
            figures[f"create_c{args.clients}_p50_ms"] / figures[f"health_c{args.clients}_p50_ms"], 2
        )
    finally:
        if stack:
            stack.stop()
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
