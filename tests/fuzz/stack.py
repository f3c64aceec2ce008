"""`motcua serve` on free ports, as `make run` starts it, and what a test may look at while it runs.

The e2e fixture (`tests/e2e/conftest.py`) starts one the same way; the objects here have the same
attributes (`base`, `state_dir`, `process`, `output`, `emulator_port`, `token`) so the scenarios in
this package run on either.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from chalicelib.local.stack import PROJECT_DIR, free_port

__all__ = [
    "LocalStack",
    "StackLike",
    "aws_client",
    "dead_letters",
    "queue_depths",
    "replay_dead_letters",
    "running_stack",
    "worker_pids",
    "worker_restarts",
]

MOTCUA = str(Path(sys.executable).with_name("motcua"))
REGION = "ap-southeast-1"
SETTLED = ("needs_correction", "rejected", "accepted", "confirmed", "forwarded", "decided", "returned")
"""Statuses the pipeline leaves a dossier in (it moves on from accepted and confirmed by itself)."""


class StackLike(Protocol):
    base: str
    state_dir: Path
    process: subprocess.Popen
    output: Path
    emulator_port: int

    def token(self, role: str, office: str | None = None) -> dict[str, str]: ...


class LocalStack:
    """A running `motcua serve`; tokens are minted once per role by `motcua token`, as a user would."""

    def __init__(self, base: str, state_dir: Path, process: subprocess.Popen, output: Path, emulator_port: int) -> None:
        self.base = base
        self.state_dir = state_dir
        self.process = process
        self.output = output
        self.emulator_port = emulator_port
        self._tokens: dict[tuple[str, str | None], dict[str, str]] = {}

    @property
    def emulator(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    def token(self, role: str, office: str | None = None) -> dict[str, str]:
        if (role, office) not in self._tokens:
            args = [MOTCUA, "token", "--role", role] + (["--office", office] if office else [])
            args += ["--authority", "province"] if role == "authority" else []  # the body most dossiers go to
            env = {**os.environ, "MOTCUA_STATE_DIR": str(self.state_dir)}
            token = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout.strip()
            self._tokens[(role, office)] = {"Authorization": f"Bearer {token}"}
        return self._tokens[(role, office)]


@contextmanager
def running_stack(
    workers: int = 2, visibility: int = 6, state_dir: Path | None = None, ready_timeout: float = 90
) -> Iterator[LocalStack]:
    """Start `motcua serve` (emulator, API, `workers` queue workers) on free ports; stop it after.

    `visibility`: seconds a message a killed worker held stays hidden (the runner's
    `MOTCUA_RUNNER_VISIBILITY`), short so that kills cost seconds, not half a minute.
    """
    state = state_dir or Path(tempfile.mkdtemp(prefix="motcua-hostile-"))
    state.mkdir(parents=True, exist_ok=True)
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(
        PORT=str(port),
        MOTCUA_EMULATOR_PORT=str(emulator_port),
        MOTCUA_STATE_DIR=str(state),
        MOTCUA_WORKERS=str(workers),
        MOTCUA_RUNNER_VISIBILITY=str(visibility),
    )
    output = state / "serve.out"
    process = subprocess.Popen(
        [MOTCUA, "serve"], cwd=PROJECT_DIR, env=env, stdout=open(output, "wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + ready_timeout
    try:
        while b"motcua is ready" not in output.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("motcua serve did not become ready:\n" + output.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield LocalStack(f"http://127.0.0.1:{port}", state, process, output, emulator_port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def worker_pids(stack: StackLike) -> list[int]:
    """The pids of the stack's `motcua worker` processes (children of `motcua serve`)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == stack.process.pid and b"worker" in cmdline:
            pids.append(int(proc.name))
    return pids


_RESTART = re.compile(rb"worker \d+ exited with (-?\d+); starting it again")


def worker_restarts(stack: StackLike) -> list[int]:
    """Exit codes of every worker `motcua serve` had to start again (-9: killed by SIGKILL)."""
    return [int(code) for code in _RESTART.findall(stack.output.read_bytes())]


@cache
def _client(service: str, endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 6}),
    )


def aws_client(stack: StackLike, service: str) -> Any:
    """A boto3 client on the stack's emulator (the test's own: not the code under test's)."""
    return _client(service, f"http://127.0.0.1:{stack.emulator_port}")


def queue_depths(stack: StackLike, suffix: str = "") -> dict[str, int]:
    """Messages waiting or in flight per local queue whose name ends with `suffix`."""
    sqs = aws_client(stack, "sqs")
    depths = {}
    for url in sqs.list_queues(QueueNamePrefix="motcua-local-").get("QueueUrls", []):
        name = url.rsplit("/", 1)[1]
        if name.endswith(suffix):
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            depths[name] = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
    return depths


def dead_letters(stack: StackLike) -> dict[str, int]:
    """Messages in the dead-letter queues: a step that kept failing."""
    return {name: n for name, n in queue_depths(stack).items() if "dlq" in name and n}


def replay_dead_letters(stack: StackLike) -> int:
    """What an operator does (`motcua dlq replay`): every dead letter back to its queue; how many."""
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(MOTCUA_STATE_DIR=str(stack.state_dir), MOTCUA_EMULATOR_PORT=str(stack.emulator_port))
    reply = subprocess.run([MOTCUA, "dlq", "replay"], env=env, capture_output=True, text=True, check=True, timeout=120)
    return sum(json.loads(reply.stdout).values())
