"""A `motcua serve` that a test can kill with SIGKILL (its whole process group) and start again on
the same state directory and ports, as a developer's `make run` would be after a crash.

It has the attributes of the e2e `Stack` (`base`, `state_dir`, `process`, `output`, `emulator_port`,
`token`), so the portal helpers and the fault-run audit (`tests/fuzz/faultrun.py`) work on it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from chalicelib.local.stack import PROJECT_DIR, free_port

__all__ = ["RestartableStack"]

MOTCUA = str(Path(sys.executable).with_name("motcua"))


class RestartableStack:
    """`start()`, `kill()` (SIGKILL to the emulator, the API and the workers at once), `stop()` (Ctrl-C)."""

    def __init__(self, state_dir: Path, workers: int = 2, visibility: int = 6) -> None:
        self.state_dir = state_dir
        self.port, self.emulator_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = state_dir / "serve.out"
        self.workers, self.visibility = workers, visibility
        self.process: subprocess.Popen | None = None  # type: ignore[assignment]
        self.up = threading.Event()
        """Set while the stack answers: a client that lost its connection waits on it."""
        self.starts = 0
        self._tokens: dict[tuple[str, str | None], dict[str, str]] = {}

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
        env.update(
            PORT=str(self.port),
            MOTCUA_EMULATOR_PORT=str(self.emulator_port),
            MOTCUA_STATE_DIR=str(self.state_dir),
            MOTCUA_WORKERS=str(self.workers),
            MOTCUA_RUNNER_VISIBILITY=str(self.visibility),
        )
        return env

    def start(self, timeout: float = 120) -> float:
        """Start `motcua serve` and wait for "motcua is ready"; returns the seconds it took."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        marker = b"motcua is ready"
        before = self.output.read_bytes().count(marker) if self.output.exists() else 0
        started = time.monotonic()
        self.process = subprocess.Popen(
            [MOTCUA, "serve"],
            cwd=PROJECT_DIR,
            env=self._env(),
            stdout=open(self.output, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while self.output.read_bytes().count(marker) <= before:
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                self.kill()
                raise RuntimeError(
                    "motcua serve did not become ready:\n" + self.output.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.2)
        self.starts += 1
        self.up.set()
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL to the whole process group: nobody gets to save anything."""
        self.up.clear()
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
        self._wait_group_gone()

    def _wait_group_gone(self, timeout: float = 30) -> None:
        """The emulator and the workers are in the group too; wait until none is left (ports free)."""
        if self.process is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        """Ctrl-C, as a developer would."""
        self.up.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self._wait_group_gone()

    def env(self) -> dict[str, str]:
        """What a `motcua` command needs to reach this stack."""
        return self._env()

    def token(self, role: str, office: str | None = None) -> dict[str, str]:
        if (role, office) not in self._tokens:
            args = [MOTCUA, "token", "--role", role] + (["--office", office] if office else [])
            token = subprocess.run(args, env=self._env(), capture_output=True, text=True, check=True).stdout.strip()
            self._tokens[(role, office)] = {"Authorization": f"Bearer {token}"}
        return self._tokens[(role, office)]
