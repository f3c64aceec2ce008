"""Requests to and from the portal and the authorities (issue 18, finding 6): signed over timestamp,
nonce and body within 5 minutes, no redirect followed, https outside the local stage, no empty key."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from chalicelib.adapters import signed_http
from chalicelib.adapters.secrets import SecretMissing, portal_callback_secret
from chalicelib.config import settings

KEY = b"k" * 32
BODY = b'{"dossier_id": "d1", "seq": 1}'


def test_a_signed_request_is_accepted_once() -> None:
    nonces = signed_http.NonceRegister()
    headers = signed_http.signed_headers(KEY, BODY)
    signed_http.check(KEY, BODY, headers, nonces)
    # the same request again (a replay within the window) is refused
    with pytest.raises(signed_http.SignatureRefused) as replayed:
        signed_http.check(KEY, BODY, headers, nonces)
    assert replayed.value.code == "replayed_request"


@pytest.mark.parametrize(
    "change,code",
    [
        ("body", "bad_signature"),
        ("timestamp", "bad_signature"),  # the timestamp is signed: moving a body to another time breaks it
        ("nonce", "bad_signature"),
        ("key", "bad_signature"),
        ("missing", "bad_signature"),
    ],
)
def test_anything_changed_breaks_the_signature(change: str, code: str) -> None:
    headers = signed_http.signed_headers(KEY, BODY)
    body, key = BODY, KEY
    if change == "body":
        body = BODY.replace(b"1}", b"2}")
    elif change == "timestamp":
        headers[signed_http.TIMESTAMP_HEADER] = str(int(headers[signed_http.TIMESTAMP_HEADER]) + 1)
    elif change == "nonce":
        headers[signed_http.NONCE_HEADER] = "0" * 32
    elif change == "key":
        key = b"another key of the same length!!"
    else:
        del headers[signed_http.NONCE_HEADER]
    with pytest.raises(signed_http.SignatureRefused) as refused:
        signed_http.check(key, body, headers, signed_http.NonceRegister())
    assert refused.value.code == code and refused.value.message_vi and refused.value.message_en


def test_a_request_signed_more_than_5_minutes_ago_is_stale() -> None:
    now = time.time()
    old = signed_http.signed_headers(KEY, BODY, now=now - 301)
    with pytest.raises(signed_http.SignatureRefused) as refused:
        signed_http.check(KEY, BODY, old, signed_http.NonceRegister(), now=now)
    assert refused.value.code == "stale_signature"
    # within the window, either way, it is accepted
    signed_http.check(KEY, BODY, signed_http.signed_headers(KEY, BODY, now=now - 290), signed_http.NonceRegister())
    signed_http.check(KEY, BODY, signed_http.signed_headers(KEY, BODY, now=now + 290), signed_http.NonceRegister())


def test_nothing_is_signed_with_an_empty_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="empty key"):
        signed_http.signed_headers(b"", BODY)
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_SECRET", "")
    monkeypatch.setenv("MOTCUA_SECRETS", "environment")
    settings.cache_clear()
    with pytest.raises(SecretMissing, match="empty"):
        portal_callback_secret()
    settings.cache_clear()


@pytest.fixture
def redirecting() -> Iterator[tuple[str, list[bytes]]]:
    """A server that answers 307 to a second one, which records any body it gets."""
    stolen: list[bytes] = []

    class Thief(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            stolen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    thief = HTTPServer(("127.0.0.1", 0), Thief)

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{thief.server_port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    redirect = HTTPServer(("127.0.0.1", 0), Redirect)
    for server in (thief, redirect):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{redirect.server_port}/callback", stolen
    for server in (thief, redirect):
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed_and_the_body_goes_nowhere_else(
    redirecting: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_STAGE", "local")
    settings.cache_clear()
    url, stolen = redirecting
    with pytest.raises(signed_http.RedirectRefused, match="307"):
        signed_http.post(url, BODY, KEY)
    assert stolen == []
    settings.cache_clear()


def test_plain_http_is_refused_outside_the_local_stage(
    redirecting: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_STAGE", "dev")
    settings.cache_clear()
    with pytest.raises(signed_http.UnsafeTarget, match="http"):
        signed_http.post(redirecting[0], BODY, KEY)
    settings.cache_clear()
