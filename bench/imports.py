"""Cold start: a fresh process's `import app` beside `import boto3` alone, alternated, medians compared.

    .venv/bin/python bench/imports.py [--runs 7]

A Lambda cold start pays for every module `app.py` imports; boto3 is the floor every handler pays
anyway. `cold_import_ratio` = median(import app) ÷ median(import boto3), goal ≤ 2: the heavy
libraries (OCR, PDF, signing) must load where they are used, not at import. Each sample is a new
interpreter timing only its own import statement (interpreter start-up is the same on both sides and
is reported apart, as `*_process_ms`); the two alternate so that the noise of a shared machine falls
on both alike. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def _sample(module: str) -> tuple[float, float]:
    """(seconds of the import statement, seconds of the whole process) in a new interpreter.

    Without `PYTHONDONTWRITEBYTECODE`, which a shell or a CI may set: with it, the uncounted first pair
    writes no byte code, and every sample of `import app` compiles the project's ~150 modules from source
    again while boto3's were compiled when pip installed them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_", "PYTHONDONTWRITEBYTECODE"))}
    env["AWS_DEFAULT_REGION"] = "ap-southeast-1"
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    _sample("app"), _sample("boto3")  # byte-compile and fill the page cache once, uncounted
    app, boto3, app_wall, boto3_wall = [], [], [], []
    for _ in range(args.runs):
        for module, imports, walls in (("app", app, app_wall), ("boto3", boto3, boto3_wall)):
            seconds, wall = _sample(module)
            imports.append(seconds)
            walls.append(wall)
    a, b = statistics.median(app), statistics.median(boto3)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "import_app_ms": round(a * 1000, 1),
                "import_boto3_ms": round(b * 1000, 1),
                "import_app_process_ms": round(statistics.median(app_wall) * 1000, 1),
                "import_boto3_process_ms": round(statistics.median(boto3_wall) * 1000, 1),
                "cold_import_ratio": round(a / b, 2),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
