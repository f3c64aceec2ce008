"""What the benchmarks share: a local stack on free ports, a portal token, percentiles, the machine's load.

Each bench script stays runnable alone (`.venv/bin/python bench/<name>.py`); this module exists so
that they start `motcua serve` the same way (the way `make run` does, on ports nobody else uses, with
its own state directory) instead of each carrying its own copy of the start-up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.local.stack import PROJECT_DIR, free_port  # noqa: E402

__all__ = [
    "FINAL_STATUSES",
    "MOTCUA",
    "ROOT",
    "Stack",
    "create_body",
    "loadavg",
    "pct",
    "process_cpu",
    "start_stack",
    "token",
]

MOTCUA = str(Path(sys.executable).with_name("motcua"))
"""The project's command line, from the same virtual environment as the running interpreter."""

FINAL_STATUSES = ("forwarded", "needs_correction", "rejected", "decided", "returned")
"""Where a dossier rests once the pipeline is done with it (nothing more happens without a person)."""


@dataclass
class Stack:
    """One `motcua serve` (emulator, API, queue workers) that this benchmark started and will stop."""

    base: str
    """The API's root URL on loopback, e.g. ``http://127.0.0.1:41234``."""
    process: subprocess.Popen
    state: Path
    """Its `MOTCUA_STATE_DIR`: demo registry CSVs, keys, logs (``serve.out``)."""
    ready_s: float
    """Seconds from launch to "motcua is ready" (emulator up, stack created, registry loaded)."""
    name: str = "stack"
    """Under which folder of `build/bench-logs/` its logs are kept when it stops."""

    def stop(self) -> None:
        """Ctrl-C, as a developer would: `motcua serve` stops its workers and the emulator itself.

        Its logs (API and stack `serve.out`, the workers', the emulator's) are copied to
        `build/bench-logs/<name>/`, so that an error a run met can be traced afterwards. Then the
        state directory goes (each run makes a fresh one; a few MB of registry and keys each),
        unless `BENCH_KEEP_STATE` is set."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        kept = ROOT / "build" / "bench-logs" / self.name
        kept.mkdir(parents=True, exist_ok=True)
        for log in [*self.state.glob("*.log"), *self.state.glob("*.out"), *self.state.glob("*/*.log")]:
            if log.name.startswith("journal"):  # the emulator's data, not a log
                continue
            shutil.copy2(log, kept / log.name)
        if not os.environ.get("BENCH_KEEP_STATE"):
            shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_stack(
    workers: int = 1,
    prefix: str = "motcua-bench-",
    timeout: float = 300.0,
    name: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Stack:
    """Start `motcua serve` with `workers` queue-worker processes on free ports and wait until it is ready.

    The caller's AWS_* and MOTCUA_* variables are dropped so that a developer's shell pointing at a
    real account or at their own `make run` cannot leak into the benchmark; `extra_env` is the
    benchmark's own settings of the stack (e.g. the local verify throttle).
    """
    state = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(
        PORT=str(port), MOTCUA_EMULATOR_PORT=str(free_port()), MOTCUA_STATE_DIR=str(state), MOTCUA_WORKERS=str(workers)
    )
    env.update(extra_env or {})
    out = state / "serve.out"
    started = time.perf_counter()
    process = subprocess.Popen(
        [MOTCUA, "serve"], cwd=PROJECT_DIR, env=env, stdout=open(out, "wb"), stderr=subprocess.STDOUT
    )
    while b"motcua is ready" not in out.read_bytes():
        if process.poll() is not None:
            raise SystemExit(f"motcua serve stopped before it was ready:\n{out.read_text(errors='replace')}")
        if time.perf_counter() - started > timeout:
            process.kill()
            raise SystemExit(f"motcua serve not ready after {timeout:.0f} s:\n{out.read_text(errors='replace')}")
        time.sleep(0.05)
    label = name or prefix.removeprefix("motcua-").strip("-")
    return Stack(f"http://127.0.0.1:{port}", process, state, time.perf_counter() - started, label)


def process_cpu(pid: int) -> dict[str, float]:
    """CPU-seconds (user + system) of process `pid` and of each of its descendants, by kind: "api"
    (the `motcua serve` process itself: the API's threads), "worker", "emulator", "tesseract"
    (processes pytesseract started, reaped or not: a reaped child's time is in its parent's
    `cutime`, counted under its parent's kind as "<kind>_children"). From /proc, so Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = defaultdict(float)

    def walk(p: int, kind: str) -> None:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            children = [
                int(c) for task in Path(f"/proc/{p}/task").iterdir() for c in (task / "children").read_text().split()
            ]
        except (OSError, IndexError):
            return
        if "chalicelib.local.emulator" in cmd:
            kind = "emulator"
        elif " worker" in cmd and "chalicelib.cli" in cmd:
            kind = "worker"
        elif cmd.startswith("tesseract"):
            kind = "tesseract"
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        out[kind] += (utime + stime) / tick
        out[f"{kind}_children"] += (cutime + cstime) / tick
        for c in children:
            walk(c, kind)

    walk(pid, "api")
    return dict(out)


def token(state: Path, role: str = "portal", office: str | None = None) -> str:
    """A bearer token for the stack whose state directory is `state` (what `motcua token` prints)."""
    command = [MOTCUA, "token", "--role", role] + (["--office", office] if office else [])
    env = {**os.environ, "MOTCUA_STATE_DIR": str(state)}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.strip()


def pct(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) by nearest rank: no interpolation, so p99 is a latency someone really saw."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def loadavg() -> str:
    """The 1-, 5- and 15-minute load averages, recorded beside the figures of a shared, noisy machine."""
    return (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


def create_body(unit: dict[str, str] | None = None, worker: dict[str, str] | None = None) -> dict:
    """A `POST /v1/dossiers` body with a fresh portal code (one worker; the demo unit unless one is given)."""
    unit = unit or {"unit_code": "TA1234A", "tax_code": "0101234567", "name": "Công ty TNHH A", "province_code": "031"}
    worker = worker or {
        "full_name": "Nguyễn Văn An",
        "si_number": "0123456789",
        "date_of_birth": "1985-10-12",
        "id_number": "031085123456",
    }
    return {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:12]}",
        "procedure": "suspension_support",
        "applicant": unit,
        "workers": [{**worker, "period_from": "2020-04-01", "period_to": "2020-05-31"}],
    }
