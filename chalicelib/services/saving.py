"""Saving a dossier, and what a saved change sets in motion: the portal is told.

Why here and not in the store: the store only writes (a dossier and its audit entries, in one
transaction); telling the portal is workflow, and a service decides it.
"""

from __future__ import annotations

from chalicelib.adapters import queues
from chalicelib.adapters.store import store
from chalicelib.domain.audit import pending_entries
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.messages import StepMessage
from chalicelib.logs import logger

__all__ = ["announce", "save"]


def save(dossier: Dossier) -> Dossier:
    """Write `dossier` (see `DossierStore.save`); a change that the audit log records is announced to
    the portal. Raises `ConcurrentUpdate` when someone saved it since it was read."""
    changed = bool(pending_entries(dossier))
    saved = store().save(dossier)
    if changed:
        announce(saved.id)
    return saved


def announce(dossier_id: str) -> None:
    """Ask for the portal to be told (best effort: the sweep finds entries still unsent)."""
    try:
        queues.send(StepMessage(dossier_id, "notify"))
    except Exception:  # noqa: BLE001 - the change is saved; telling the portal can wait for the sweep
        logger().warning("could not queue a portal notification; the sweep will", extra={"dossier_id": dossier_id})
