"""The whole local stack, started as `make run` starts it (`motcua serve`), on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chalicelib.local.stack import PROJECT_DIR, free_port


class Stack:
    def __init__(self, base: str, state_dir: Path, process: subprocess.Popen, output: Path, emulator_port: int) -> None:
        self.base = base
        self.emulator_port = emulator_port
        self.state_dir = state_dir
        self.process = process
        self.output = output

    def token(self, role: str, office: str | None = None, authority: str = "province") -> dict[str, str]:
        """An authority is the province's People's Committee unless `authority` names another body."""
        args = [str(Path(sys.executable).with_name("motcua")), "token", "--role", role] + (
            ["--office", office] if office else []
        )
        args += ["--authority", authority] if role == "authority" else []
        token = subprocess.run(
            args,
            env={**os.environ, "MOTCUA_STATE_DIR": str(self.state_dir)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state_dir = tmp_path_factory.mktemp("e2e-state")
    port = free_port()
    output = state_dir / "serve.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    emulator_port = free_port()
    env.update(
        PORT=str(port),
        MOTCUA_EMULATOR_PORT=str(emulator_port),
        MOTCUA_STATE_DIR=str(state_dir),
        MOTCUA_WORKERS="2",
        MOTCUA_RUNNER_VISIBILITY="6",
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("motcua")), "serve"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=open(output, "wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while b"motcua is ready" not in output.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("motcua serve did not become ready:\n" + output.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    yield Stack(base, state_dir, process, output, emulator_port)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `stops_stack` (they stop the session's stack) run after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("stops_stack") is not None)
