"""The long hostile-input run: schemathesis on every operation as every role, then hypothesis-made
attachments (and a few decompression bombs) through the whole pipeline of one local stack.

The code is `tests/fuzz/` (the short run in `make test` uses the same): `api.fuzz_api` and
`api.coverage_phase` (schemathesis' own runner: boundary values, undeclared methods),
`raw.fuzz_raw` (hostile JSON, cursors and headers) and `files` + `pipeline.send_through`. A 5xx
anywhere, a worker process that died, a dossier that did not settle or whose unreadable file is not
a finding: each is a bug.

Run: `.venv/bin/python bench/fuzz.py [--api-examples 4] [--rounds 5] [--seed 1]`. The details go to
stderr; the last line of stdout is one JSON object:
`{"bad_input_cases", "bad_input_5xx", "bad_input_worker_crashes", "fuzz_seconds", ...}` (goal: 0 and 0),
plus `bad_input_spec_mismatches` (answers the OpenAPI document does not describe) and
`bad_input_wrong_outcomes` (unsettled dossiers, unreported unreadable files, failed steps).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.fuzz.api import ROLES, coverage_phase, fuzz_api  # noqa: E402
from tests.fuzz.files import MAGIC, HostileFile, _png_chunk, draw_files  # noqa: E402
from tests.fuzz.pipeline import send_through  # noqa: E402
from tests.fuzz.raw import fuzz_raw  # noqa: E402
from tests.fuzz.stack import running_stack, worker_restarts  # noqa: E402


def pixel_bomb(width: int, height: int, color_type: int, channels: int) -> bytes:
    """A PNG just under the reader's pixel limit whose rows of one colour compress ~1000:1."""
    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * (width * channels)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return MAGIC["image/png"] + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def bombs() -> list[HostileFile]:
    return [
        HostileFile("pixel_bomb:gray", "worker_list.png", "image/png", pixel_bomb(8900, 8900, 0, 1), unreadable=False),
        HostileFile("pixel_bomb:rgb", "worker_list.png", "image/png", pixel_bomb(6000, 6000, 2, 3), unreadable=False),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-examples", type=int, default=4, help="schemathesis cases per operation, role and mode")
    parser.add_argument("--raw-examples", type=int, default=400, help="hostile JSON bodies, cursors and headers")
    parser.add_argument("--rounds", type=int, default=5, help="hostile files of every family")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-bombs", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with running_stack(workers=2, visibility=6) as stack:
        print(f"stack ready in {time.monotonic() - started:.1f} s ({stack.state_dir})", file=sys.stderr, flush=True)
        api = fuzz_api(stack, max_examples=args.api_examples, roles=tuple(ROLES), seed=args.seed)
        print(f"API: {api.summary()}\n{api.server_errors[:20]}", file=sys.stderr, flush=True)
        coverage = coverage_phase(stack, roles=tuple(ROLES), seed=args.seed, max_examples=1)
        print(f"coverage phase: {coverage.summary()}", file=sys.stderr, flush=True)
        raw = fuzz_raw(stack, max_examples=args.raw_examples, seed=args.seed)
        print(f"raw: {raw.summary()}\n{raw.server_errors[:20]}", file=sys.stderr, flush=True)
        files = draw_files(args.rounds, args.seed) + ([] if args.no_bombs else bombs())
        pipeline = send_through(stack, files, settle_seconds=150)
        print(
            f"pipeline: {pipeline.summary()} outcomes {pipeline.outcomes} in {pipeline.seconds} s",
            file=sys.stderr,
            flush=True,
        )
        crashes = len(worker_restarts(stack))
    print(
        json.dumps(
            {
                "bad_input_cases": api.cases + coverage.cases + raw.cases + pipeline.cases,
                "bad_input_5xx": len(api.server_errors)
                + len(coverage.server_errors)
                + len(raw.server_errors)
                + len(pipeline.server_errors),
                "bad_input_worker_crashes": crashes,
                "fuzz_seconds": round(time.monotonic() - started, 1),
                "bad_input_spec_mismatches": len(api.failures) + len(coverage.failures),
                "bad_input_wrong_outcomes": len(pipeline.wrong)
                + pipeline.step_failures
                + sum(pipeline.dead_letters.values()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
