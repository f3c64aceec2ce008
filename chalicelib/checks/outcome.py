"""From every finding to one outcome: accepted, a correction request, or a refusal."""

from __future__ import annotations

from chalicelib.domain.findings import BLOCKING, REFUSING, Finding
from chalicelib.domain.states import Status

__all__ = ["decide"]


def decide(findings: list[Finding], worker_count: int) -> Status:
    """Refused when no worker can be supported (each has a blocking finding); asked to correct
    when anything is wrong; accepted otherwise. A `REFUSING` finding refuses whatever the workers."""
    if not findings:
        return Status.ACCEPTED
    if any(f.code in REFUSING for f in findings):
        return Status.REJECTED
    blocked_rows = {f.row for f in findings if f.code in BLOCKING and f.row is not None}
    if worker_count and len(blocked_rows) >= worker_count:
        return Status.REJECTED
    return Status.NEEDS_CORRECTION
