"""The local stage's stand-in for the national portal's status callback: it records what it gets.

Only the `local` stage answers; elsewhere the route is a 404, as if it did not exist.
"""
from __future__ import annotations

import hmac
import json
from typing import Any

from chalicelib.adapters.blobs import originals
from chalicelib.config import settings
from chalicelib.errors import InvalidInput, NotFound

__all__ = ["receive", "received"]

PREFIX = "local/portal-callbacks/"


def receive(body: bytes, signature_header: str) -> dict[str, Any]:
    from chalicelib.services.notify import signature

    if settings().stage != "local":
        raise NotFound("route")
    # compare_digest refuses str with non-ASCII characters (a TypeError, so a 500): compare bytes
    if not hmac.compare_digest(signature(body).encode(), (signature_header or "").encode("utf-8", "surrogateescape")):
        raise InvalidInput("bad_signature", "Chữ ký của thông báo không đúng.", "The notification's signature does not match.")
    event = json.loads(body)
    originals().put(f"{PREFIX}{event['dossier_id']}/{int(event['seq']):06d}.json", body, "application/json")
    return {"received": event["seq"]}


def received(dossier_id: str) -> list[dict[str, Any]]:
    """What the stand-in portal has received for a dossier, in order (each entry once)."""
    keys = sorted(originals().keys(f"{PREFIX}{dossier_id}/"))
    return [json.loads(originals().get(k)) for k in keys]
