"""A flood of the public `POST /v1/verify` at and above its throttle while dossiers go through the
pipeline: nothing dead-lettered, nothing lost (issue 18, finding 3).

    .venv/bin/python bench/flood.py [--seconds 40] [--rate 20] [--burst 40] [--over 3] [--clients 2]

Starts `motcua serve` with two queue workers and the local stand-in of the stage's throttle on
`/v1/verify` (`MOTCUA_LOCAL_VERIFY_RATE`/`_BURST`, the template's `VerifyRateLimit` 20/s and
`VerifyBurstLimit` 40 by default). Portal clients (the load benchmark's loop: create, upload a signed
request, submit, poll; `--think` seconds between dossiers) run for `--seconds` quietly, then for
`--seconds` while strangers post signed PDFs (an employer's signed request: pyHanko validates it in
full) to `/v1/verify`: the first half of the flood paced at the throttle's rate, the second at
`--over` times it. Then the workers drain (up to `--drain` seconds) and every dossier is read back.

Figures: `flood_dead_letters` (messages in the four DLQs at the end; goal 0) and `flood_lost` (a
dossier created but not found, or submitted but still a draft; goal 0); verify's answers during the
flood (`flood_verify_2xx`, `flood_verify_429`, `flood_verify_5xx`, per phase too); the pipeline's
throughput (dossiers brought to rest per minute) in the quiet window and during the flood, and their
ratio, measured side by side in the same run. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FINAL_STATUSES, MOTCUA, loadavg, start_stack, token
from load import Tally, _portal_client, _signed_request, _statuses, _units


def _settled(base: str, headers: dict[str, str], tallies: list[Tally]) -> set[str]:
    """The submitted dossiers at rest now."""
    submitted = sorted(set().union(*(t.submitted for t in tallies)))
    seen = _statuses(base, headers, submitted, 4)
    return {i for i, (_, view) in seen.items() if view.get("status") in FINAL_STATUSES}


def _portal(
    base: str,
    headers: dict[str, str],
    pdfs: dict[str, bytes],
    units: list,
    seconds: float,
    clients: int,
    think: float,
    seed: int,
) -> list[Tally]:
    deadline = time.perf_counter() + seconds
    with ThreadPoolExecutor(clients) as pool:
        return list(
            pool.map(lambda i: _portal_client(base, headers, pdfs, units, deadline, think, seed + i), range(clients))
        )


def _flood(base: str, pdf: bytes, phases: list[tuple[float, float]], senders: int) -> dict[str, Counter]:
    """Post `pdf` to /v1/verify, each phase (seconds, requests per second) paced open-loop over
    `senders` threads (a sender that falls behind sends at once: the load stays at least as high)."""
    answers: dict[str, Counter] = {}
    lock = threading.Lock()
    for index, (seconds, rate) in enumerate(phases):
        phase = f"phase{index + 1}"
        answers[phase] = Counter()
        start = time.perf_counter()
        total = int(seconds * rate)

        def send(k: int, phase: str = phase, start: float = start, rate: float = rate, total: int = total) -> None:
            with requests.Session() as http:
                for n in range(k, total, senders):
                    delay = start + n / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    try:
                        reply = http.post(
                            f"{base}/v1/verify", data=pdf, headers={"Content-Type": "application/pdf"}, timeout=60
                        )
                        kind = f"{reply.status_code // 100}xx" if reply.status_code != 429 else "429"
                    except requests.RequestException:
                        kind = "transport"
                    with lock:
                        answers[phase][kind] += 1

        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(send, range(senders)))
    return answers


def _dead_letters(state: Path) -> dict[str, int]:
    listed = subprocess.run(
        [MOTCUA, "dlq", "list"],
        env={**os.environ, "MOTCUA_STATE_DIR": str(state)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return {queue: int(info["count"]) for queue, info in json.loads(listed).items()}


def run(args: argparse.Namespace) -> dict[str, object]:
    extra = {"MOTCUA_LOCAL_VERIFY_RATE": str(args.rate), "MOTCUA_LOCAL_VERIFY_BURST": str(args.burst)}
    figures: dict[str, object] = {"flood_loadavg_start": loadavg()}
    with start_stack(workers=2, prefix="motcua-bench-flood-", name="flood", extra_env=extra) as stack:
        base, state = stack.base, stack.state
        headers = {"Authorization": f"Bearer {token(state)}"}
        units = _units(state)
        pdfs = _signed_request(state, units)
        stranger = next(iter(pdfs.values()))
        probe = requests.post(
            f"{base}/v1/verify", data=stranger, headers={"Content-Type": "application/pdf"}, timeout=60
        )
        if probe.status_code != 200:
            raise SystemExit(f"verify answered {probe.status_code} to the flood's PDF: {probe.text[:300]}")

        # the quiet window: the portal alone
        quiet = _portal(base, headers, pdfs, units, args.seconds, args.clients, args.think, 0)
        quiet_settled = _settled(base, headers, quiet)

        # the flood window: the same portal, and strangers on /v1/verify
        half = args.seconds / 2
        phases = [(half, args.rate), (half, args.rate * args.over)]
        flood_started = time.perf_counter()
        with ThreadPoolExecutor(2) as both:
            flooding = both.submit(_flood, base, stranger, phases, args.senders)
            portal = both.submit(_portal, base, headers, pdfs, units, args.seconds, args.clients, args.think, 100)
            answers, loud = flooding.result(), portal.result()
        flood_s = time.perf_counter() - flood_started
        tallies = quiet + loud
        settled_after_flood = _settled(base, headers, tallies)
        figures["flood_loadavg_end_of_flood"] = loadavg()

        # drain, then every dossier read back
        drain_started = time.perf_counter()
        submitted = set().union(*(t.submitted for t in tallies))
        while time.perf_counter() - drain_started < args.drain and _settled(base, headers, tallies) != submitted:
            time.sleep(2)
        created = {k: v for t in tallies for k, v in t.created.items()}
        final = _statuses(base, headers, sorted(created), 4)
        lost = [
            i
            for i in created
            if final[i][0] != 200
            or final[i][1].get("portal_code") != created[i]
            or (i in submitted and final[i][1].get("status") == "draft")
        ]
        dead = _dead_letters(state)

    total = sum(answers.values(), Counter())
    figures.update(
        flood_seconds=round(flood_s, 1),
        flood_verify_rate_limit=args.rate,
        flood_verify_burst_limit=args.burst,
        flood_verify_offered_per_s=f"{args.rate:g} then {args.rate * args.over:g}",
        flood_verify_requests=sum(total.values()),
        flood_verify_2xx=total["2xx"],
        flood_verify_429=total["429"],
        flood_verify_4xx_other=total["4xx"],
        flood_verify_5xx=total["5xx"],
        flood_verify_transport_errors=total["transport"],
        **{f"flood_verify_{p}_{k}": v for p, c in answers.items() for k, v in sorted(c.items())},
        flood_verify_2xx_per_s=round(total["2xx"] / flood_s, 1),
        flood_portal_errors=sum(sum(t.errors.values()) for t in tallies),
        flood_portal_5xx=sum(t.server_errors for t in tallies),
        flood_created=len(created),
        flood_submitted=len(submitted),
        flood_quiet_dossiers_per_min=round(len(quiet_settled) / args.seconds * 60, 1),
        flood_pipeline_dossiers_per_min=round(len(settled_after_flood - quiet_settled) / flood_s * 60, 1),
        flood_settled=sum(1 for i in submitted if final[i][1].get("status") in FINAL_STATUSES),
        flood_lost=len(lost),
        flood_dead_letters=sum(dead.values()),
        flood_dead_letters_by_queue=" ".join(f"{q}={n}" for q, n in sorted(dead.items())),
        flood_drain_s=round(time.perf_counter() - drain_started, 1),
        flood_outcomes=" ".join(
            f"{k}={v}" for k, v in sorted(Counter(v.get("status", f"http_{c}") for c, v in final.values()).items())
        ),
    )
    quiet_rate = figures["flood_quiet_dossiers_per_min"]
    figures["flood_pipeline_vs_quiet_ratio"] = (
        round(float(figures["flood_pipeline_dossiers_per_min"]) / float(quiet_rate), 2) if quiet_rate else 0  # type: ignore[arg-type]
    )
    figures["flood_loadavg_end"] = loadavg()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="the quiet window, and the flood window")
    parser.add_argument("--rate", type=float, default=20.0, help="verify's throttle, requests per second")
    parser.add_argument("--burst", type=int, default=40, help="verify's burst")
    parser.add_argument("--over", type=float, default=3.0, help="the flood's second half: this many times the rate")
    parser.add_argument("--senders", type=int, default=16, help="threads posting to /v1/verify")
    parser.add_argument("--clients", type=int, default=2, help="portal clients")
    parser.add_argument("--think", type=float, default=2.0, help="seconds a portal client waits between dossiers")
    parser.add_argument("--drain", type=float, default=120.0)
    args = parser.parse_args()
    figures = run(args)
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["flood_lost"] == 0 and figures["flood_dead_letters"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
