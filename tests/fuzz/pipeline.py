"""Hostile attachments through the whole pipeline of a running stack: create, upload, submit, settle.

Each file gets a dossier of its own. What must hold, file by file: no answer is a 5xx (upload,
submit, `POST /v1/verify` of the same bytes, reads), an upload whose declared type is not its content
is refused with a 4xx, every submitted dossier settles (no hang, nothing lost), and a file that cannot
be read comes back as an `unreadable_attachment` finding naming it. Over the run: no worker process
died (`motcua serve` restarts one and says so), no step raised, nothing went to a dead-letter queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.fuzz.files import HostileFile
from tests.fuzz.stack import SETTLED, StackLike, dead_letters, worker_restarts
from tests.helpers import dossier_body

__all__ = ["HostileRun", "send_through", "step_failures"]


@dataclass
class HostileRun:
    cases: int = 0
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    """`METHOD path -> status` of every 5xx answer (and of requests that got no answer at all)."""
    wrong: list[str] = field(default_factory=list)
    """Files whose dossier did not end as it must (unsettled, unreadable not reported, upload let through)."""
    worker_crashes: int = 0
    step_failures: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.server_errors or self.wrong or self.worker_crashes or self.step_failures or self.dead_letters)

    def summary(self) -> str:
        return (
            f"{self.cases} files, {self.requests} requests: 5xx {self.server_errors[:10]}, wrong {self.wrong[:10]}, "
            f"worker crashes {self.worker_crashes}, step failures {self.step_failures}, dead letters {self.dead_letters}"
        )


def step_failures(stack: StackLike) -> int:
    """Steps that raised in a worker (`app._run_batch` logs "step failed"): a fault, not a finding."""
    log = stack.state_dir / "workers.log"
    if not log.exists():
        return 0
    text = log.read_bytes()
    return text.count(b'"step failed"') + text.count(b'"handler raised')


class _Client:
    """requests with a record of every 5xx (or no answer) instead of an exception."""

    def __init__(self, stack: StackLike, run: HostileRun) -> None:
        self.stack, self.run = stack, run
        self.session = requests.Session()

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        self.run.requests += 1
        try:
            reply = self.session.request(method, self.stack.base + path, timeout=60, **kwargs)
        except requests.RequestException as error:
            self.run.server_errors.append(f"{method} {path.split('/')[2]}/... -> no answer ({type(error).__name__})")
            return None
        if reply.status_code >= 500:
            self.run.server_errors.append(f"{method} {path} -> {reply.status_code} {reply.text[:200]}")
        return reply


def send_through(stack: StackLike, files: list[HostileFile], settle_seconds: float = 180) -> HostileRun:
    """Send every file through the pipeline (one dossier each) and check how each one ends."""
    started = time.monotonic()
    run = HostileRun(cases=len(files))
    restarts_before, failures_before = len(worker_restarts(stack)), step_failures(stack)
    client = _Client(stack, run)
    portal = stack.token("portal")
    pending: dict[str, HostileFile] = {}
    for hostile in files:
        created = client.call("POST", "/v1/dossiers", json=dossier_body(), headers=portal)
        if created is None or created.status_code != 201:
            run.wrong.append(f"{hostile!r}: create answered {created.status_code if created is not None else None}")
            continue
        dossier_id = created.json()["id"]
        put = client.call(
            "PUT",
            f"/v1/dossiers/{dossier_id}/attachments/{hostile.name}",
            data=hostile.data,
            headers={**portal, "Content-Type": hostile.content_type},
        )
        if put is not None and put.status_code < 500:
            if hostile.accepted_at_upload and put.status_code != 200:
                run.wrong.append(f"{hostile!r}: upload answered {put.status_code} {put.text[:120]}")
            if not hostile.accepted_at_upload and not 400 <= put.status_code < 500:
                run.wrong.append(f"{hostile!r}: a file that is not what it declares was stored ({put.status_code})")
        if hostile.data.startswith(b"%PDF-"):
            client.call("POST", "/v1/verify", data=hostile.data, headers={"Content-Type": "application/pdf"})
        submitted = client.call("POST", f"/v1/dossiers/{dossier_id}/submit", headers=portal)
        if submitted is not None and submitted.status_code == 202:
            pending[dossier_id] = hostile
        elif submitted is not None and submitted.status_code < 500:
            run.wrong.append(f"{hostile!r}: submit answered {submitted.status_code}")
    settled: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + settle_seconds
    while len(settled) < len(pending) and time.monotonic() < deadline:
        for dossier_id in [d for d in pending if d not in settled]:
            reply = client.call("GET", f"/v1/dossiers/{dossier_id}", headers=portal)
            if reply is not None and reply.status_code == 200 and reply.json()["status"] in SETTLED:
                settled[dossier_id] = reply.json()
        time.sleep(0.3)
    for dossier_id, hostile in pending.items():
        dossier = settled.get(dossier_id)
        if dossier is None:
            run.wrong.append(f"{hostile!r}: dossier {dossier_id} never settled")
            continue
        run.outcomes[dossier["status"]] = run.outcomes.get(dossier["status"], 0) + 1
        codes = [(f["code"], f["message"]) for f in dossier["findings"]]
        if (
            hostile.accepted_at_upload
            and hostile.unreadable
            and not any(code == "unreadable_attachment" and hostile.name in message for code, message in codes)
        ):
            run.wrong.append(
                f"{hostile!r}: no unreadable_attachment finding (status {dossier['status']}, findings {sorted({c for c, _ in codes})})"
            )
        if not hostile.accepted_at_upload and not any(code == "missing_attachment" for code, _ in codes):
            run.wrong.append(f"{hostile!r}: refused at upload, yet no missing_attachment finding")
    run.worker_crashes = len(worker_restarts(stack)) - restarts_before
    run.step_failures = step_failures(stack) - failures_before
    run.dead_letters = dead_letters(stack)
    run.seconds = round(time.monotonic() - started, 1)
    return run
