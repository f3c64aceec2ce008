"""What the national portal receives at its callback URL: one audit entry of a dossier per request.

Declared once here: the notify step builds its bodies from :class:`PortalCallback`, and the OpenAPI
document publishes it as the `portalCallback` webhook (`chalicelib.api.openapi`).

Why each callback carries the entry's hash and the hash before it: the portal can hold BHXH to its
log. The hashes of the callbacks it received for a dossier form a chain (each `prev_hash` is the
`hash` of the callback before it, the first's is empty), and each `hash` is the SHA-256 of the
entry in BHXH's audit chain (`chalicelib.domain.audit.AuditEntry.digest`). An entry BHXH rewrote
or removed afterwards no longer matches what the portal keeps, and the signed anchors
(`motcua audit verify`) say which of the two was there first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CallbackDocument", "PortalCallback"]


class CallbackDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    """`receipt`, `control_slip`, `correction_request`, ..."""
    number: str | None = None


class PortalCallback(BaseModel):
    """One change of a dossier, as the portal learns it (no personal data)."""

    model_config = ConfigDict(frozen=True)

    portal_code: str
    dossier_id: str
    seq: int = Field(ge=1, description="The audit entry's sequence number: the portal drops a repeat by it.")
    hash: str = Field(description="SHA-256 (hex) of the audit entry this callback reports.")
    prev_hash: str = Field(description="The hash of the entry before it (empty for the first): the chain.")
    at: str
    event: Literal["status", "slip", "notice"] | str
    status: str
    overdue: bool
    due_date: str | None
    to: str | None = Field(None, description="For `status`: the status the dossier moved to.")
    document: CallbackDocument | None = Field(None, description="For a slip or a notice: which document.")

    def body(self) -> bytes:
        """The request body: JSON, keys sorted; `to` or `document`, whichever the event has."""
        import json

        return json.dumps(self.model_dump(exclude_unset=True), ensure_ascii=False, sort_keys=True).encode()
