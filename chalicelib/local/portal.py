"""The local stage's stand-in for the national portal's status callback: it records what it gets.

The local server (`chalicelib.local.serve`) answers it; the app and the Lambda package know nothing of it.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from chalicelib.adapters.blobs import originals
from chalicelib.api.errors import parse_json
from chalicelib.errors import InvalidInput

__all__ = ["receive", "received"]

PREFIX = "local/portal-callbacks/"


def receive(body: bytes, signature_header: str) -> dict[str, Any]:
    from chalicelib.services.notify import signature

    # compare_digest refuses str with non-ASCII characters (a TypeError, so a 500): compare bytes
    if not hmac.compare_digest(signature(body).encode(), (signature_header or "").encode("utf-8", "surrogateescape")):
        raise InvalidInput(
            "bad_signature", "Chữ ký của thông báo không đúng.", "The notification's signature does not match."
        )
    event = parse_json(body)
    try:
        key = f"{PREFIX}{event['dossier_id']}/{int(event['seq']):06d}.json"
    except (TypeError, KeyError, ValueError):
        raise InvalidInput(
            "bad_event", "Thông báo thiếu mã hồ sơ hoặc số thứ tự.", "The event needs dossier_id and an integer seq."
        ) from None
    originals().put(key, body, "application/json")
    return {"received": event["seq"]}


def received(dossier_id: str) -> list[dict[str, Any]]:
    """What the stand-in portal has received for a dossier, in order (each entry once)."""
    keys = sorted(originals().keys(f"{PREFIX}{dossier_id}/"))
    return [json.loads(originals().get(k)) for k in keys]
