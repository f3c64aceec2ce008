"""Start the local AWS emulator (moto's server, on loopback: `emulator.py`) and create the stack.

The stack is the CloudFormation template the AWS deployment merges into Chalice's package, created
as it is, so the tables, buckets and queues the tests use are the ones production gets. The KMS
signing key is the exception: moto's CloudFormation makes a key that answers `DescribeKey` with a
500, so the local stage creates it through the KMS API (see `infra/README.md`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "PROJECT_DIR",
    "TEMPLATE",
    "Emulator",
    "aws_state_dir",
    "deploy_stack",
    "free_port",
    "local_environment",
    "start_emulator",
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEMPLATE = PROJECT_DIR / "infra" / "resources.json"
STACK_NAME = "motcua-local"


def aws_state_dir(state_dir: Path) -> Path:
    """Where the emulator keeps the stack's data (tables, buckets, queues, keys) under a state directory."""
    return Path(state_dir) / "state"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_environment(endpoint: str, state_dir: Path) -> dict[str, str]:
    """What every local process (API, runner, CLI, tests) needs to reach the emulator.

    `MOTCUA_TRUST_ANCHORS` is the operator's (the roots of real signature CAs, if set) with the
    local demo employer CA added, never replaced by it (`chalicelib.checks.trust.with_local_ca`)."""
    from chalicelib.checks.trust import with_local_ca

    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_XRAY_SDK_ENABLED": "false",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "MOTCUA_STAGE": "local",
        "MOTCUA_AUTH_MODE": "local",
        "MOTCUA_STATE_DIR": str(state_dir),
        "MOTCUA_SIGNING_CHAIN": str(state_dir / "signing-chain.pem"),
        "MOTCUA_SIGNING_HISTORY": str(state_dir / "signing-history.pem"),
        "MOTCUA_SLIP_TRUST_ROOTS": str(state_dir / "ca.pem"),
        "MOTCUA_TRUST_ANCHORS": with_local_ca(os.environ.get("MOTCUA_TRUST_ANCHORS"), state_dir / "employer-ca.pem"),
    }


@dataclass
class Emulator:
    endpoint: str
    process: subprocess.Popen | None
    """None when an emulator was already running there (we did not start it, we do not stop it)."""

    def stop(self) -> None:
        """SIGTERM: the emulator writes its last snapshot (seconds at 10 000 dossiers) and exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _answers(endpoint: str) -> bool:
    """The emulator is up: its fault switch answers (cheap; moto's `/moto-api/data.json` writes out
    every item it holds, over a second at 10 000 dossiers, so a probe with a short time-out never passed)."""
    try:
        with urllib.request.urlopen(f"{endpoint}/_motcua/faults", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def start_emulator(
    port: int, log_file: Path | None = None, timeout: float = 120.0, state: Path | None = None
) -> Emulator:
    """Start moto's server on 127.0.0.1:`port`, or reuse the one already answering there.

    `state`: the directory its data is kept in (`persistence.py`); None keeps it in memory. The
    time limit covers loading what is kept (about a second per 10 000 dossiers, measured)."""
    endpoint = f"http://127.0.0.1:{port}"
    if _answers(endpoint):
        return Emulator(endpoint, None)
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(
                f"port {port} is taken by something that is not the AWS emulator; set MOTCUA_EMULATOR_PORT"
            )
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chalicelib.local.emulator",
            "--port",
            str(port),
            *(["--state", str(state)] if state else []),
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_DIR,
        env={**os.environ, "MOTO_PORT": str(port)},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the AWS emulator exited with code {process.returncode}; see {log_file}")
        if _answers(endpoint):
            return Emulator(endpoint, process)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the AWS emulator did not answer on {endpoint} within {timeout:.0f} s")


def deploy_stack(stage: str = "local") -> dict[str, str]:
    """Create the stack from `infra/resources.json` unless it exists; returns its outputs."""
    from chalicelib.adapters.aws import client

    cfn = client("cloudformation")
    try:
        stacks = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    except cfn.exceptions.ClientError:
        stacks = []
    if not stacks or stacks[0]["StackStatus"].endswith("FAILED"):
        cfn.create_stack(
            StackName=STACK_NAME,
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}],
        )
        cfn.get_waiter("stack_create_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        stacks = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    elif _template_of(cfn) != json.loads(TEMPLATE.read_text()):
        # kept state from before a change of infra/ (a new table): the stack follows the template
        cfn.update_stack(
            StackName=STACK_NAME,
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}],
        )
        cfn.get_waiter("stack_update_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        stacks = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _template_of(cfn: Any) -> Any:
    body = cfn.get_template(StackName=STACK_NAME)["TemplateBody"]
    return json.loads(body) if isinstance(body, str) else body


if __name__ == "__main__":  # pragma: no cover - a developer's shortcut
    print(json.dumps(deploy_stack(), indent=2))
