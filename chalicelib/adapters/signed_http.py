"""Requests between motcua and the systems it talks to (the portal, the authorities), signed both ways.

Each request carries `X-Motcua-Timestamp` (Unix seconds), `X-Motcua-Nonce` (random, once) and
`X-Motcua-Signature: sha256=<hex>`, an HMAC-SHA256 over ``timestamp.nonce.body``. A receiver
accepts a request only when the signature matches, the timestamp is within `WINDOW_SECONDS` of its
clock and the nonce was not seen within that window: a captured request cannot be sent again, and
a body cannot be moved under another timestamp. The HMAC over the body alone (before issue 18)
could be replayed forever.

Sending: `post` refuses `http://` outside the local stage, follows no redirect (a 3xx would hand the
body and its signature to whoever the answer names) and never signs with an empty key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chalicelib.config import settings
from chalicelib.errors import InvalidInput

__all__ = [
    "NONCE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WINDOW_SECONDS",
    "NonceRegister",
    "RedirectRefused",
    "SignatureRefused",
    "UnsafeTarget",
    "check",
    "post",
    "signed_headers",
]

WINDOW_SECONDS = 300
"""How far a request's timestamp may be from the receiver's clock, either way (5 minutes)."""
TIMESTAMP_HEADER = "X-Motcua-Timestamp"
NONCE_HEADER = "X-Motcua-Nonce"
SIGNATURE_HEADER = "X-Motcua-Signature"


class SignatureRefused(InvalidInput):
    """A request whose signature, timestamp or nonce does not hold (the receiver answers 4xx)."""


class UnsafeTarget(RuntimeError):
    """A URL motcua will not send a signed body to (plain http outside the local stage)."""


class RedirectRefused(RuntimeError):
    """The other side answered with a redirect: not followed, the step fails and is retried."""


def _mac(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    if not secret:
        raise ValueError("refusing to sign or check with an empty key")
    return "sha256=" + hmac.new(secret, f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, body: bytes, *, now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The three headers that sign `body` now (or at `now`, Unix seconds)."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {TIMESTAMP_HEADER: timestamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: _mac(secret, timestamp, nonce, body)}


class NonceRegister:
    """The nonces seen within the window (in memory: a receiver of one process, as the local portal)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, nonce: str, now: float) -> bool:
        with self._lock:
            self._seen = {n: at for n, at in self._seen.items() if at > now - 2 * WINDOW_SECONDS}
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def _refused(code: str, vi: str, en: str) -> SignatureRefused:
    return SignatureRefused(code, vi, en)


def check(
    secret: bytes, body: bytes, headers: Mapping[str, str], nonces: NonceRegister, *, now: float | None = None
) -> None:
    """Accept a signed request or raise `SignatureRefused` saying why (bad, stale or replayed)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    nonce = lowered.get(NONCE_HEADER.lower(), "")
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    now = time.time() if now is None else now
    if not timestamp.isdigit() or not 8 <= len(nonce) <= 128:
        raise _refused(
            "bad_signature",
            "Yêu cầu thiếu dấu thời gian hoặc số dùng một lần (nonce).",
            "The request lacks its timestamp or nonce.",
        )
    # compare_digest refuses str with non-ASCII characters (a TypeError, so a 500): compare bytes
    expected = _mac(secret, timestamp, nonce, body).encode()
    if not hmac.compare_digest(expected, given.encode("utf-8", "surrogateescape")):
        raise _refused("bad_signature", "Chữ ký của yêu cầu không đúng.", "The request's signature does not match.")
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        raise _refused(
            "stale_signature",
            "Yêu cầu đã quá 5 phút so với dấu thời gian của nó.",
            "The request's timestamp is more than 5 minutes away from now.",
        )
    if not nonces.first_time(nonce, now):
        raise _refused(
            "replayed_request", "Yêu cầu này đã được nhận một lần.", "This request (its nonce) was received already."
        )


def _safe(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and settings().stage == "local"):
        return url
    raise UnsafeTarget(f"refusing to send a signed body to a {scheme or 'relative'}:// URL outside the local stage")


def post(
    url: str,
    body: bytes,
    secret: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: tuple[float, float] = (3, 10),
    session: Any = None,
) -> Any:
    """POST `body` signed with `secret`; answers the response (any status below 300 or 4xx/5xx).

    Raises `UnsafeTarget` for http:// outside the local stage and `RedirectRefused` for a 3xx."""
    import requests

    reply = (session or requests).post(
        _safe(url),
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {}), **signed_headers(secret, body)},
        timeout=timeout,
        allow_redirects=False,
    )
    if 300 <= reply.status_code < 400:
        raise RedirectRefused(f"{urlsplit(url).netloc} answered {reply.status_code}: redirects are not followed")
    return reply
