"""Reading dossiers: one by id or portal code, an office's worklist, and the health of the stores."""
from __future__ import annotations

from typing import Any

from chalicelib.adapters.blobs import originals
from chalicelib.adapters.store import store
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.states import Status
from chalicelib.errors import NotFound

__all__ = ["dossier", "by_portal_code", "worklist", "health"]


def dossier(dossier_id: str) -> Dossier:
    return store().get(dossier_id)


def by_portal_code(portal_code: str) -> Dossier:
    if not 4 <= len(portal_code) <= 64:
        raise NotFound()
    return store().get_by_portal_code(portal_code)


def worklist(office: str, status: Status | None, overdue: bool | None, limit: int, cursor: str | None) -> tuple[list[Dossier], str | None]:
    return store().list_office(office, status=status, overdue=overdue, limit=limit, cursor=cursor)


def health() -> dict[str, Any]:
    """`ok` when the dossier table and the originals bucket answer, else which one does not."""
    failing = []
    for name, ping in (("dossiers", store().ping), ("originals", originals().ping)):
        try:
            ping()
        except Exception:  # noqa: BLE001 - any failure of a store is what health reports
            failing.append(name)
    return {"status": "ok"} if not failing else {"status": "unavailable", "failing": failing}
