"""Benchmark of the slips: render, sign, render+sign of a receipt, on one warm worker.

    .venv/bin/python bench/slips.py [--rounds 60] [--lt-rounds 12]

Uses the AWS endpoint in ``AWS_ENDPOINT_URL`` when set, else starts the project's emulator on a free loopback
port (and stops it). Two signers:

- the worker's (`chalicelib.services.documents.signer`, as `motcua serve` makes it): PAdES B-LT, with an RFC
  3161 timestamp from the local stage's own TSA (`chalicelib.local.tsa`, started here on loopback) and the
  validation data embedded: what every slip a worker issues carries;
- a bare one (`SlipSigner.from_key`, no TSA): the B-B signature alone, the figure of the first sessions.

After a warm-up (fonts loaded, KMS client and connection made, pyHanko imported) it times, interleaved in each
round, rendering alone, signing an already rendered receipt alone, and render + sign. Each rendering has its
own check code, as each issued slip has, so its QR code is computed anew (the QR's cache would otherwise
hide it). Prints JSON with the medians in milliseconds: `receipt_*` through the worker's signer (`--lt-rounds`
rounds), `receipt_*_bb_*` through the bare one (`--rounds`); ``slip_vs_parts_ratio`` = median(issue) ÷
(median(render) + median(sign)) (goal: at most 1.3), bench/run.py's ``slip_vs_sign_ratio`` = median(issue) ÷
median(sign) (goal 1.5), and the slips per second one single-threaded worker issues back to back with the
bare signer (issue 5's goal: at least 20 per core with the local KMS) and with the worker's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

URL = "https://motcua.example.vn"


def _start_moto(state: Path) -> Any:
    """The project's local emulator on a free port, unless `AWS_ENDPOINT_URL` names one already."""
    from chalicelib.local.stack import free_port, local_environment, start_emulator

    if os.environ.get("AWS_ENDPOINT_URL"):
        environment = local_environment(os.environ["AWS_ENDPOINT_URL"], state)
        os.environ.update({k: v for k, v in environment.items() if k.startswith("MOTCUA_")})
        return None
    emulator = start_emulator(free_port())
    os.environ.update(local_environment(emulator.endpoint, state))
    return emulator


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _rate(issue: Callable[[], object], n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        issue()
    return n / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="rounds through the bare (B-B) signer")
    parser.add_argument("--lt-rounds", type=int, default=12, help="rounds through the worker's (B-LT) signer")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="motcua-bench-slips-"))
    proc = _start_moto(state)
    tsa = None
    try:
        from chalicelib.adapters.kms import KmsKey
        from chalicelib.config import settings
        from chalicelib.documents import SlipSigner, render_slip
        from chalicelib.documents.examples import example_slip
        from chalicelib.local.pki import ensure_signing_identity
        from chalicelib.local.tsa import start_tsa
        from chalicelib.services.documents import signer, slip_check_code

        settings.cache_clear()
        ident = ensure_signing_identity(state, settings().signing_key_alias)
        Path(os.environ["MOTCUA_SIGNING_CHAIN"]).write_bytes(ident.cert_chain_pem)
        tsa = start_tsa(state)
        os.environ["MOTCUA_TSA_URL"] = tsa.url
        settings.cache_clear()
        worker = signer()  # the worker's own: B-LT through the TSA, validation data embedded
        bare = SlipSigner.from_key(KmsKey(ident.key_alias), ident.cert_chain_pem)
        slip = example_slip("receipt")

        def render() -> bytes:
            return render_slip(slip, public_base_url=URL, check=slip_check_code())

        pdf = render()
        for _ in range(3):  # warm-up
            bare.sign(render())
            worker.sign(render())
        times: dict[str, list[float]] = {k: [] for k in ("render", "sign", "issue", "sign_bb", "issue_bb")}
        for i in range(max(args.rounds, args.lt_rounds)):
            times["render"].append(_ms(render))
            if i < args.rounds:
                times["sign_bb"].append(_ms(lambda: bare.sign(pdf)))
                times["issue_bb"].append(_ms(lambda: bare.sign(render())))
            if i < args.lt_rounds:
                times["sign"].append(_ms(lambda: worker.sign(pdf)))
                times["issue"].append(_ms(lambda: worker.sign(render())))
        per_second = _rate(lambda: bare.sign(render()), max(20, args.rounds // 2))
        per_second_lt = _rate(lambda: worker.sign(render()), max(5, args.lt_rounds // 2))
        signed = worker.sign(pdf)
    finally:
        if tsa is not None:
            tsa.stop()
        if proc is not None:
            proc.stop()
    med = {name: statistics.median(v) for name, v in times.items()}
    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "lt_rounds": args.lt_rounds,
                "receipt_render_and_sign_ms": round(med["issue"], 1),
                "receipt_render_ms": round(med["render"], 1),
                "receipt_sign_ms": round(med["sign"], 1),
                "slip_vs_parts_ratio": round(med["issue"] / (med["render"] + med["sign"]), 3),
                "slip_vs_sign_ratio": round(med["issue"] / med["sign"], 3),
                "receipt_render_and_sign_bb_ms": round(med["issue_bb"], 1),
                "receipt_sign_bb_ms": round(med["sign_bb"], 1),
                "slip_vs_parts_ratio_bb": round(med["issue_bb"] / (med["render"] + med["sign_bb"]), 3),
                "slip_vs_sign_ratio_bb": round(med["issue_bb"] / med["sign_bb"], 3),
                "receipt_render_and_sign_mean_ms": round(statistics.fmean(times["issue"]), 1),
                "slips_per_second_warm_worker": round(per_second, 1),
                "slips_per_second_warm_worker_blt": round(per_second_lt, 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "pdf_bytes": len(pdf),
                "pdf_bytes_signed": len(signed),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
