"""Benchmark of the insurance registry: load N demo participants, then look up 500 SI numbers.

    .venv/bin/python bench/registry.py [--participants 1000000] [--units N] [--lookups 500] [--rounds 5]

Uses the AWS endpoint in ``AWS_ENDPOINT_URL`` when set, else starts the project's emulator (moto's
server, as ``make run`` does) on a free loopback port with the stack from ``infra/``, and stops it.

1. Streams the demo registry (``chalicelib.local.demo``) to CSVs in a temporary directory.
2. Loads them with ``load_registry`` in a child process, so that the peak RSS reported
   (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that child) is the loader's alone.
3. Times ``Registry.participants()`` for ``--lookups`` random known SI numbers, ``--rounds`` times,
   on a fresh ``Registry`` in this process (the client and its connections made once before), then
   one ``by_unit`` and one ``by_identity`` (GSI queries; moto answers them by scanning the table).

Prints one JSON object: rows/second of the load, its peak RSS, DynamoDB calls, and the look-ups'
milliseconds (median and each round) and calls per look-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load_child(units: str, participants: str) -> None:
    """Run in the child: load, then print the report and this process's peak RSS as JSON."""
    from chalicelib.services.registry_load import load_registry

    report = load_registry(Path(units), Path(participants), progress=sys.stderr.isatty())
    print(
        json.dumps(
            {
                "seconds": report.seconds,
                "units": vars(report.units),
                "participants": vars(report.participants),
                "rejected": report.rejected,
                "dynamodb_calls": report.dynamodb_calls,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _emulator_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=None, help="default: one unit per 150 participants")
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--load-child", nargs=2, metavar=("UNITS", "PARTICIPANTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_child:
        _load_child(*args.load_child)
        return

    units = args.units or max(12, args.participants // 150)
    with tempfile.TemporaryDirectory(prefix="motcua-bench-registry-") as tmp:
        directory = Path(tmp)
        emulator = None
        if not os.environ.get("AWS_ENDPOINT_URL"):
            from chalicelib.local.serve import prepare
            from chalicelib.local.stack import free_port

            emulator = prepare(free_port(), directory / "state")
        try:
            from chalicelib.local.demo import si_number_of, write_demo_registry

            started = time.monotonic()
            units_csv, participants_csv = write_demo_registry(
                directory, units=units, participants=args.participants, seed=args.seed
            )
            generate_s = time.monotonic() - started
            rows = sum(1 for _ in open(participants_csv, "rb")) - 1

            child = subprocess.run(
                [sys.executable, __file__, "--load-child", str(units_csv), str(participants_csv)],
                stdout=subprocess.PIPE,
                check=True,
                env=os.environ.copy(),
                cwd=ROOT,
            )
            load = json.loads(child.stdout.decode().strip().splitlines()[-1])

            from chalicelib.adapters.registry import Registry
            from chalicelib.config import settings

            reg = Registry(settings().name("units"), settings().name("participants"))
            rng = random.Random(args.seed)
            reg.participants([si_number_of(0, seed=args.seed)])  # the client and a connection, made once
            rounds = []
            for _ in range(args.rounds):
                wanted = [si_number_of(rng.randrange(args.participants), seed=args.seed) for _ in range(args.lookups)]
                calls = reg.calls
                t = time.perf_counter()
                found = reg.participants(wanted)
                rounds.append(
                    {
                        "ms": round((time.perf_counter() - t) * 1000, 1),
                        "calls": reg.calls - calls,
                        "found": len(found),
                        "asked": len(set(wanted)),
                    }
                )
            # The GSI look-ups (suggestions): in AWS a Query reads only its key; moto scans the table for it.
            from chalicelib.local.demo import demo_rows, demo_units

            sample = next(iter(demo_rows(1, demo_units(units, args.seed), seed=args.seed)))
            gsi = {}
            for name, call in (
                ("by_unit", lambda: reg.by_unit(sample.unit_code)),
                ("by_identity", lambda: reg.by_identity(sample.full_name, sample.date_of_birth)),
            ):
                calls = reg.calls
                t = time.perf_counter()
                found = call()
                gsi[name] = {
                    "ms": round((time.perf_counter() - t) * 1000, 1),
                    "calls": reg.calls - calls,
                    "found": len(found),
                }
            reg.close()
            ms = [r["ms"] for r in rounds]
            result = {
                "participants": args.participants,
                "participant_rows": rows,
                "units": units,
                "generate_seconds": round(generate_s, 1),
                "csv_mb": round(participants_csv.stat().st_size / 2**20, 1),
                "load_seconds": round(load["seconds"], 1),
                "load_rows_per_second": round((rows + units) / load["seconds"]),
                "load_participants_per_second": round(args.participants / load["seconds"]),
                "load_peak_rss_mb": round(load["peak_rss_mb"], 1),
                "load_dynamodb_calls": load["dynamodb_calls"],
                "load_counts": {
                    "units": load["units"],
                    "participants": load["participants"],
                    "rejected": load["rejected"],
                },
                "emulator_peak_rss_mb": round(_emulator_rss_mb(emulator.process.pid), 1)
                if emulator and emulator.process
                else None,
                "lookup": {
                    "si_numbers": args.lookups,
                    "median_ms": statistics.median(ms),
                    "rounds_ms": ms,
                    "calls_per_round": rounds[0]["calls"],
                    "calls_per_worker": round(rounds[0]["calls"] / max(rounds[0]["asked"], 1), 3),
                    "found_per_round": [r["found"] for r in rounds],
                },
                "gsi_queries": gsi,
                "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
            }
            print(json.dumps(result, indent=2))
        finally:
            if emulator is not None:
                emulator.stop()


if __name__ == "__main__":
    main()
