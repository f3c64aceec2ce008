"""The pipeline steps behind the queues: extract (OCR) → check (registry) → workflow.

Each step is keyed on the dossier and its status, never on the SQS message id: a message seen
twice, or replayed from a DLQ with a new id, finds the work done and only makes sure the next
message exists. A step that crashes at any line can run again and reach the same end state,
because the dossier is saved before the next message is sent and a redelivered message whose
work is already saved just sends the next one again.
"""

from __future__ import annotations

from chalicelib.adapters import queues
from chalicelib.adapters.store import store
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.messages import StepMessage
from chalicelib.domain.states import Status
from chalicelib.errors import ConcurrentUpdate, NotFound
from chalicelib.logs import hide_from_now, logger
from chalicelib.services.checking import conclude, review
from chalicelib.services.extracting import extract_attachments
from chalicelib.services.saving import save

__all__ = ["StepMessage", "check_step", "extract_step", "load_for_step"]


def load_for_step(message: StepMessage) -> Dossier | None:
    """The dossier a message names, or None (logged, and the message dropped) if there is none."""
    try:
        dossier = store().get(message.dossier_id)
    except NotFound:
        logger().warning("message for an unknown dossier dropped", extra={"dossier_id": message.dossier_id})
        return None
    hide_from_now(dossier.personal_values())
    return dossier


def extract_step(message: StepMessage) -> None:
    """Read the attachments of a submitted dossier, then hand it to the checks."""
    dossier = load_for_step(message)
    if dossier is None:
        return
    if dossier.status == Status.SUBMITTED:
        extract_attachments(dossier)
        try:
            dossier = save(dossier.advance(Status.PROCESSING, by="system:extract"))
        except ConcurrentUpdate:
            dossier = store().get(message.dossier_id)
    if dossier.status == Status.PROCESSING:
        queues.send(StepMessage(dossier.id, "check", message.round))
        logger().info("extracted", extra={"dossier_id": dossier.id})


def check_step(message: StepMessage) -> None:
    """Check a dossier whose attachments are read; conclude with every finding and one slip."""
    dossier = load_for_step(message)
    if dossier is None:
        return
    if dossier.status == Status.PROCESSING:
        found = review(dossier)
        concluded = conclude(dossier, found.findings, message.round, found)
        try:
            dossier = save(concluded)
        except ConcurrentUpdate:
            dossier = store().get(message.dossier_id)
        logger().info(
            "checked",
            extra={
                "dossier_id": dossier.id,
                "status": dossier.status.value,
                "finding_codes": sorted({f.code for f in dossier.findings}),
            },
        )
    if dossier.status == Status.ACCEPTED:
        queues.send(StepMessage(dossier.id, "confirm", message.round))
