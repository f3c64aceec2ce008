"""Load on the API with the portal's mix, for a bounded time, and proof that no dossier went missing.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--workers 1] [--drain 30]
    .venv/bin/python bench/load.py --base http://127.0.0.1:8000 --state .motcua   # a running `make run`

Starts `motcua serve` on free ports (as `make run` does) unless `--base` names a running stack. Each of
`--clients` threads is one portal connection doing, for `--seconds`, what the portal does with each
dossier, without pause: create it, upload its signed request (a small PAdES-signed PDF, as the employer
signs it), submit it, and poll its status; every other cycle it also polls one of its earlier dossiers.
Threads and `requests` are enough here: the client waits on the network, not on the CPU, and the
project already depends on `requests`.

At the end it waits up to `--drain` seconds for the queue workers to bring the submitted dossiers to
rest (the API accepts faster than OCR and signing can follow: the queues buffer that, by design), then
reads every dossier it created back by id. `load_lost` counts a dossier that was created (201) but
is not found, or whose submit was accepted (202) but which is still a draft: the goal is 0.

Prints one JSON object (flat): requests per second, p50/p99 overall and per operation, errors, lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FINAL_STATUSES, ROOT, create_body, loadavg, pct, start_stack, token

OPERATIONS = ("create", "upload", "submit", "poll")


@dataclass
class Tally:
    """What one client saw: latencies per operation, unexpected replies, and the dossiers it made."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: int = 0
    server_error_samples: list[str] = field(default_factory=list)
    """The first few 5xx: operation, status and the start of the body (its code and request id), to
    be found in the stack's logs (`build/bench-logs/load/`)."""
    created: dict[str, str] = field(default_factory=dict)
    """Dossier id → portal code, for every 201."""
    submitted: set[str] = field(default_factory=set)
    """Ids whose submit answered 202."""


def _call(
    session: requests.Session, tally: Tally, op: str, ok: tuple[int, ...], method: str, url: str, **kw
) -> requests.Response | None:
    """One timed request; an unexpected status is counted (a 5xx apart), a transport error too."""
    started = time.perf_counter()
    try:
        reply = session.request(method, url, timeout=60, **kw)
    except requests.RequestException:
        tally.errors[op] += 1
        return None
    tally.ms[op].append((time.perf_counter() - started) * 1000)
    if reply.status_code >= 500:
        tally.server_errors += 1
        if len(tally.server_error_samples) < 5:
            when = time.strftime("%H:%M:%S", time.gmtime())
            tally.server_error_samples.append(f"{when} {op} {method} {reply.status_code} {reply.text[:300]!r}")
    if reply.status_code not in ok:
        tally.errors[op] += 1
        return None
    return reply


def _portal_client(
    base: str,
    headers: dict[str, str],
    request_pdf: dict[str, bytes],
    units: list[dict[str, str]],
    deadline: float,
    think: float,
    seed: int,
) -> Tally:
    """One portal connection's loop until `deadline`: create, upload, submit, poll (and re-poll an older one)."""
    tally = Tally()
    rng = random.Random(seed)
    cycle = 0
    with requests.Session() as session:
        while time.perf_counter() < deadline:
            cycle += 1
            body = create_body(rng.choice(units)) if units else create_body()
            reply = _call(session, tally, "create", (201,), "POST", f"{base}/v1/dossiers", json=body, headers=headers)
            if reply is None:
                continue
            dossier_id = reply.json()["id"]
            tally.created[dossier_id] = body["portal_code"]
            url = f"{base}/v1/dossiers/{dossier_id}"
            if (
                _call(
                    session,
                    tally,
                    "upload",
                    (200, 201),
                    "PUT",
                    f"{url}/attachments/request.pdf",
                    data=request_pdf[body["applicant"]["tax_code"]],
                    headers={**headers, "Content-Type": "application/pdf"},
                )
                is None
            ):
                continue
            if _call(session, tally, "submit", (200, 202), "POST", f"{url}/submit", headers=headers) is not None:
                tally.submitted.add(dossier_id)
            _call(session, tally, "poll", (200,), "GET", url, headers=headers)
            if cycle % 2 == 0 and len(tally.created) > 1:
                _call(
                    session,
                    tally,
                    "poll",
                    (200,),
                    "GET",
                    f"{base}/v1/dossiers/{rng.choice(list(tally.created))}",
                    headers=headers,
                )
            if think:
                time.sleep(think)
    return tally


def _statuses(base: str, headers: dict[str, str], ids: list[str], clients: int) -> dict[str, tuple[int, dict]]:
    """Every dossier read back by id: (HTTP status, body)."""
    local = threading.local()

    def read(dossier_id: str) -> tuple[str, tuple[int, dict]]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            reply = local.session.get(f"{base}/v1/dossiers/{dossier_id}", headers=headers, timeout=60)
        except requests.RequestException:
            return dossier_id, (0, {})
        return dossier_id, (reply.status_code, reply.json() if reply.status_code == 200 else {})

    with ThreadPoolExecutor(clients) as pool:
        return dict(pool.map(read, ids))


def _signed_request(state: Path, units: list[dict[str, str]]) -> dict[str, bytes]:
    """Per applicant's tax code, a one-page request PDF signed as that unit by the stack's demo
    employer CA (which the stack trusts): the check refuses a request signed by another unit."""
    sys.path.insert(0, str(ROOT))
    from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
    from tests.helpers import pdf_bytes

    pdf = pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong")
    applicants = {u["tax_code"]: u["name"] for u in units or [create_body()["applicant"]]}
    return {tax: sign_as_employer(pdf, ensure_demo_employer(state, tax, name=name)) for tax, name in applicants.items()}


def _units(state: Path) -> list[dict[str, str]]:
    """The demo registry's units, so that the check step sees applicants it knows."""
    import csv

    path = state / "units.csv"
    if not path.exists():
        return []
    return [
        {
            "unit_code": u["unit_code"],
            "tax_code": u["tax_code"],
            "name": u["unit_name"],
            "province_code": u["province_code"],
        }
        for u in csv.DictReader(open(path, encoding="utf-8"))
    ]


def run(
    base: str, state: Path, seconds: float, clients: int, drain: float, think: float = 0.0
) -> dict[str, float | int | str]:
    """Drive the stack at `base` and return the flat figures (see the module docstring)."""
    headers = {"Authorization": f"Bearer {token(state)}"}
    units = _units(state)
    request_pdf = _signed_request(state, units)
    started = time.perf_counter()
    deadline = started + seconds
    with ThreadPoolExecutor(clients) as pool:
        tallies = list(
            pool.map(lambda i: _portal_client(base, headers, request_pdf, units, deadline, think, i), range(clients))
        )
    wall = time.perf_counter() - started
    created = {k: v for t in tallies for k, v in t.created.items()}
    submitted = set().union(*(t.submitted for t in tallies))
    ms = {op: [x for t in tallies for x in t.ms.get(op, [])] for op in OPERATIONS}
    everything = [x for op in OPERATIONS for x in ms[op]]

    # let the workers catch up (bounded), then read every dossier back
    drain_started = time.perf_counter()
    pending = sorted(submitted)
    while pending and time.perf_counter() - drain_started < drain:
        seen = _statuses(base, headers, pending, min(clients, 4))
        pending = [i for i, (code, view) in seen.items() if view.get("status") not in FINAL_STATUSES]
        if pending:
            time.sleep(1.0)
    drained_s = time.perf_counter() - drain_started
    final = _statuses(base, headers, sorted(created), min(clients, 4))
    lost = [
        i
        for i in created
        if final[i][0] != 200
        or final[i][1].get("portal_code") != created[i]
        or (i in submitted and final[i][1].get("status") == "draft")
    ]
    outcomes: dict[str, int] = defaultdict(int)
    for code, view in final.values():
        outcomes[view.get("status", f"http_{code}")] += 1

    figures: dict[str, float | int | str] = {
        "load_seconds": round(wall, 1),
        "load_clients": clients,
        "load_requests": len(everything),
        "load_rps": round(len(everything) / wall, 1),
        "load_dossiers_per_s": round(len(created) / wall, 2),
        "load_p50_ms": round(statistics.median(everything), 1) if everything else 0,
        "load_p99_ms": round(pct(everything, 0.99), 1) if everything else 0,
    }
    for op in OPERATIONS:
        if ms[op]:
            figures[f"load_{op}_p50_ms"] = round(statistics.median(ms[op]), 1)
            figures[f"load_{op}_p99_ms"] = round(pct(ms[op], 0.99), 1)
            figures[f"load_{op}_rps"] = round(len(ms[op]) / wall, 1)
    figures.update(
        load_errors=sum(sum(t.errors.values()) for t in tallies),
        load_5xx=sum(t.server_errors for t in tallies),
        load_5xx_samples=" | ".join(x for t in tallies for x in t.server_error_samples)[:2000],
        load_created=len(created),
        load_submitted=len(submitted),
        load_found=len(created) - len(lost),
        load_lost=len(lost),
        load_settled=sum(1 for i in submitted if final[i][1].get("status") in FINAL_STATUSES),
        load_drain_s=round(drained_s, 1),
        load_outcomes=" ".join(f"{k}={v}" for k, v in sorted(outcomes.items())),
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a running stack's API (then --state is its MOTCUA_STATE_DIR)")
    parser.add_argument("--state", default=os.environ.get("MOTCUA_STATE_DIR", ".motcua"))
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="queue-worker processes of the stack this starts")
    parser.add_argument(
        "--drain", type=float, default=30.0, help="seconds to wait for submitted dossiers to come to rest"
    )
    parser.add_argument("--think", type=float, default=0.0, help="pause of each client between dossiers, seconds")
    args = parser.parse_args()
    stack = None
    if args.base:
        base, state = args.base, Path(args.state)
    else:
        stack = start_stack(args.workers, prefix="motcua-load-", name="load")
        base, state = stack.base, stack.state
    try:
        figures = {"load_loadavg_start": loadavg()}
        figures.update(run(base, state, args.seconds, args.clients, args.drain, args.think))
        figures["load_loadavg_end"] = loadavg()
    finally:
        if stack:
            stack.stop()
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["load_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
