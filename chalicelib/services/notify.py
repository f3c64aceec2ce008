"""Keeping the national portal in step: every status change and slip, pushed to its callback URL.

What to send is the audit log itself: each entry is marked unsent when it is written (in the same
transaction as the change) and unmarked once the portal answered 2xx, so nothing is lost between
a change and its notification. Entries go out in order, oldest first, each carrying its sequence
number so the portal can drop a repeat; a portal that is down fails the step, which comes back
later, and the sweep re-queues any dossier with unsent entries: the pipeline never waits for it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import queues, signed_http
from chalicelib.adapters.audit import audit_log
from chalicelib.adapters.secrets import portal_callback_secret
from chalicelib.config import settings
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.callbacks import CallbackDocument, PortalCallback
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.messages import StepMessage
from chalicelib.logs import logger
from chalicelib.services.pipeline import load_for_step

__all__ = ["catch_up", "notify_step", "payload"]


def payload(dossier: Dossier, entry: AuditEntry) -> bytes:
    """What the portal learns (`chalicelib.domain.callbacks.PortalCallback`): the event, the dossier's
    public state and the entry's place in the audit chain (its hash and the one before), no personal data."""
    kind, _, rest = entry.what.partition(":")
    extra: dict[str, Any] = {}
    if kind == "status":
        extra["to"] = rest
    else:
        extra["document"] = CallbackDocument(**dict(zip(("kind", "number"), rest.split(":", 1), strict=False)))
    return PortalCallback(
        portal_code=dossier.portal_code,
        dossier_id=dossier.id,
        seq=entry.seq,
        hash=entry.hash,
        prev_hash=entry.prev_hash,
        at=entry.at,
        event=kind,
        status=dossier.status.value,
        overdue=dossier.overdue,
        due_date=dossier.due_date.isoformat() if dossier.due_date else None,
        **extra,
    ).body()


def notify_step(message: StepMessage) -> None:
    url = settings().portal_callback_url
    if not url:
        return  # no portal configured for this stage: entries stay unsent until one is
    unsent = audit_log().entries(message.dossier_id, unsent_only=True)
    if not unsent:
        return  # an earlier message of this dossier sent them all
    dossier = load_for_step(message)
    if dossier is None:
        return
    secret = portal_callback_secret()  # empty or unreadable: nothing is sent, the step comes back later
    sent: list[AuditEntry] = []
    try:
        for entry in unsent:
            body = payload(dossier, entry)
            # signed over timestamp, nonce and body; no redirect followed; https outside the local stage
            reply = signed_http.post(url, body, secret, timeout=(3, 10))
            if reply.status_code >= 300:
                raise RuntimeError(f"the portal answered {reply.status_code}")  # in order: stop here, come back later
            sent.append(entry)
    finally:
        audit_log().mark_sent(
            sent
        )  # one write for all; lost with a crash, they are sent again (the portal drops repeats by seq)
    logger().info("portal notified", extra={"dossier_id": dossier.id, "entries": len(sent)})


def catch_up() -> int:
    """Queue a notification for every dossier with entries the portal has not had."""
    pending = audit_log().dossiers_with_unsent() if settings().portal_callback_url else set()
    for dossier_id in pending:
        queues.send(StepMessage(dossier_id, "notify"))
    return len(pending)
