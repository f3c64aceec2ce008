"""Benchmark of the slips: render, sign, render+sign of a receipt, on one warm worker.

    .venv/bin/python bench/slips.py [--rounds 60]

Uses the AWS endpoint in ``AWS_ENDPOINT_URL`` when set, else starts the project's emulator on a free loopback
port (and stops it). After a warm-up (fonts loaded, KMS client and connection made, pyHanko imported)
it times, interleaved in each round, rendering alone, signing an already rendered receipt alone, and
``issue_slip`` (render + sign); prints JSON with the medians in milliseconds,
``slip_vs_parts_ratio`` = median(issue) / (median(render) + median(sign)) (goal: at most 1.3) and the
slips per second one single-threaded worker issues (goal: at least 20 per core with the local KMS).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _start_moto() -> Any:
    """The project's local emulator on a free port, unless `AWS_ENDPOINT_URL` names one already."""
    if os.environ.get("AWS_ENDPOINT_URL"):
        return None
    from chalicelib.local.stack import free_port, local_environment, start_emulator

    emulator = start_emulator(free_port())
    os.environ.update(local_environment(emulator.endpoint, Path(tempfile.mkdtemp())))
    return emulator


def _ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    proc = _start_moto()
    try:
        from chalicelib.adapters.kms import KmsKey
        from chalicelib.documents import SlipSigner, issue_slip, render_slip
        from chalicelib.documents.examples import example_slip
        from chalicelib.local.pki import ensure_signing_identity

        with tempfile.TemporaryDirectory() as tmp:
            ident = ensure_signing_identity(Path(tmp), "alias/motcua-bench-signing")
            signer = SlipSigner.from_key(KmsKey(ident.key_alias), ident.cert_chain_pem)
            slip = example_slip("receipt")
            url = "https://motcua.example.vn"
            pdf = render_slip(slip, public_base_url=url)
            for _ in range(5):  # warm-up
                issue_slip(slip, signer, public_base_url=url)
            render, sign, issue = [], [], []
            for _ in range(args.rounds):
                render.append(_ms(lambda: render_slip(slip, public_base_url=url)))
                sign.append(_ms(lambda: signer.sign(pdf)))
                issue.append(_ms(lambda: issue_slip(slip, signer, public_base_url=url)))
            n = max(20, args.rounds // 2)
            t = time.perf_counter()
            for _ in range(n):
                issue_slip(slip, signer, public_base_url=url)
            per_second = n / (time.perf_counter() - t)
    finally:
        if proc is not None:
            proc.stop()
    med = {name: statistics.median(v) for name, v in (("render", render), ("sign", sign), ("issue", issue))}
    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "receipt_render_and_sign_ms": round(med["issue"], 1),
                "receipt_render_ms": round(med["render"], 1),
                "receipt_sign_ms": round(med["sign"], 1),
                "slip_vs_parts_ratio": round(med["issue"] / (med["render"] + med["sign"]), 3),
                "receipt_render_and_sign_mean_ms": round(statistics.fmean(issue), 1),
                "slips_per_second_warm_worker": round(per_second, 1),
                "slips_per_second_from_median": round(1000 / med["issue"], 1),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "pdf_bytes": len(pdf),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
