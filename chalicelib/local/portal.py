"""The local stage's stand-in for the national portal's status callback: it records what it gets.

The local server (`chalicelib.local.serve`) answers it; the app and the Lambda package know nothing of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters import signed_http
from chalicelib.adapters.blobs import originals
from chalicelib.adapters.secrets import portal_callback_secret
from chalicelib.api.errors import parse_json
from chalicelib.errors import InvalidInput

__all__ = ["receive", "received"]

PREFIX = "local/portal-callbacks/"


NONCES = signed_http.NonceRegister()
"""The nonces this stand-in has seen (one process: the local server)."""


def receive(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Take one signed notification: refused when its signature, timestamp (5 minutes) or nonce fails."""
    signed_http.check(portal_callback_secret(), body, headers, NONCES)
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
