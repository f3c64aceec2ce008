"""What a caller may do to a dossier now: the one rule that the API enforces and the console shows.

Why: the console once worked this out for itself, differently (it offered a decision the API then
refused with 409). The dossier view now carries `actions` computed here, the console shows those
and nothing else, and the services refuse what `awaiting_*` says is not awaited.
"""

from __future__ import annotations

from typing import Literal

from chalicelib.domain.deadlines import StepDeadline
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.procedures import VERSIONS, procedure_of
from chalicelib.domain.states import Status

__all__ = [
    "AUTHORITIES",
    "ROLES",
    "Action",
    "available",
    "awaiting_correction",
    "awaiting_decision",
    "awaiting_delay_report",
    "awaiting_return",
    "clerk_may_decide",
    "open_step",
]

AUTHORITIES: tuple[str, ...] = tuple(
    sorted({p.forwarded_to for found in VERSIONS.values() for p in found if p.forwarded_to})
)
"""The deciding bodies dossiers are forwarded to; an authority's token names one of them."""

Action = Literal["decide", "report_delay", "resend_correction_request", "return"]

ROLES: dict[Action, tuple[str, ...]] = {
    "decide": ("authority", "clerk"),
    "report_delay": ("authority", "clerk"),
    "resend_correction_request": ("clerk",),
    "return": ("clerk",),
}
"""Who may take each action (an admin may take any); the routes are guarded by the same table."""


def awaiting_decision(d: Dossier) -> bool:
    """Forwarded to its authority, or confirmed where BHXH's own office decides (nothing forwarded)."""
    return d.decision is None and (
        d.status == Status.FORWARDED or (d.status == Status.CONFIRMED and procedure_of(d).forwarded_to is None)
    )


_IN_HAND = frozenset({Status.ACCEPTED, Status.CONFIRMED, Status.FORWARDED})


def open_step(d: Dossier) -> StepDeadline | None:
    """The step being worked on now (the last open one), while a body holds the dossier."""
    steps = [s for s in d.steps if s.is_open] if d.status in _IN_HAND else []
    return steps[-1] if steps else None


def awaiting_delay_report(d: Dossier) -> bool:
    """A body holds the dossier and its appointment has not been moved yet (it moves once)."""
    return open_step(d) is not None and d.original_due_date is None


def clerk_may_decide(d: Dossier, online: frozenset[str]) -> bool:
    """A clerk records a decision on behalf of an authority only where it has no online channel of
    its own (it answers through it), or where BHXH itself decides (nothing forwarded)."""
    return d.forwarded_to is None or d.forwarded_to not in online


def awaiting_correction(d: Dossier) -> bool:
    """Sent back for correction, with a correction request there is to send again."""
    return d.status == Status.NEEDS_CORRECTION and any(x.kind == "correction_request" for x in d.documents)


def awaiting_return(d: Dossier) -> bool:
    return d.status == Status.DECIDED


_NOW = {
    "decide": awaiting_decision,
    "report_delay": awaiting_delay_report,
    "resend_correction_request": awaiting_correction,
    "return": awaiting_return,
}


def _allowed(a: Action, d: Dossier, role: str, online: frozenset[str]) -> bool:
    """Beyond the role table: a clerk decides only for a body with no online channel; an authority
    reports delays of its own step, not BHXH's."""
    if a == "decide":
        return role == "authority" or clerk_may_decide(d, online)
    if a == "report_delay":
        step = open_step(d)
        return role != "authority" or (step is not None and step.body != "bhxh")
    return True


def available(d: Dossier, role: str | None, online: frozenset[str] = frozenset()) -> list[Action]:
    """The actions `role` may take on `d` now, in the order the console shows them; `online`: the
    authorities with an online channel (their decisions come through it, not from a clerk)."""
    if role is None:
        return []
    return [
        a
        for a, roles in ROLES.items()
        if (role in roles or role == "admin") and _NOW[a](d) and _allowed(a, d, role, online)
    ]
