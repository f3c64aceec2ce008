"""The local stage's sign-in for the console: the OAuth 2.0 authorization-code flow with PKCE (S256),
as the Cognito hosted UI offers it in AWS, so the console runs one sign-in everywhere.

`GET /local/oauth2/authorize` checks the request (code flow, the console's client and return address,
an S256 code challenge, a `state` and a `nonce`) and shows a form for the local identity (role, office,
body: the local stage has no user directory; `motcua token` mints the same tokens). Its `POST` issues
a one-time code bound to the challenge, the nonce and the return address, and sends the browser
back with `code` and `state`. `POST /local/oauth2/token` exchanges the code once, only with the
verifier whose SHA-256 is the challenge, for an ID token carrying the nonce and an access token
with the staff scope (what the console calls the API with, as in AWS).

Served by the local server (`serve.py`), not by `app.py`: nothing here is in the Lambda package or the
OpenAPI document. The codes live in this process's memory for five minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib.api.auth import STAFF_SCOPE, issue_local_token, local_secret
from chalicelib.api.console import LOCAL_CLIENT_ID, SCOPES
from chalicelib.domain.actions import AUTHORITIES

__all__ = ["AUTHORIZE_PATH", "TOKEN_PATH", "OAuthError", "authorize_form", "grant", "issue_code", "reset"]

AUTHORIZE_PATH = "/local/oauth2/authorize"
TOKEN_PATH = "/local/oauth2/token"
CODE_SECONDS = 300
"""How long a code may wait for its exchange (Cognito: 5 minutes)."""
ID_TOKEN_SECONDS = 12 * 3600
STAFF_ROLES = ("clerk", "authority", "admin")
_PKCE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
"""RFC 7636 §4.1: a verifier is 43-128 unreserved characters; an S256 challenge is 43."""
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_OFFICE = re.compile(r"[0-9]{3}")


class OAuthError(Exception):
    """A refused request, in RFC 6749's terms (`invalid_request`, `invalid_grant`, ...)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class _Code:
    challenge: str
    nonce: str
    redirect_uri: str
    role: str
    office: str | None
    authority: str | None
    expires: float


_codes: dict[str, _Code] = {}
_lock = threading.Lock()


def reset() -> None:
    """Forget every code (tests)."""
    with _lock:
        _codes.clear()


def _request(params: dict[str, str], host: str) -> dict[str, str]:
    """The authorization request's parameters, checked: anything else is refused before a form is shown."""
    redirect = params.get("redirect_uri", "")
    parts = urlsplit(redirect)
    if parts.scheme not in ("http", "https") or parts.netloc != host or parts.path != "/console/" or parts.query:
        raise OAuthError("invalid_request", "redirect_uri must be this server's /console/")
    if params.get("client_id") != LOCAL_CLIENT_ID:
        raise OAuthError("unauthorized_client", f"client_id must be {LOCAL_CLIENT_ID}")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "only the authorization-code flow (response_type=code)")
    if params.get("code_challenge_method") != "S256" or not _CHALLENGE.fullmatch(params.get("code_challenge", "")):
        raise OAuthError("invalid_request", "a PKCE code_challenge with code_challenge_method S256 is required")
    for name in ("state", "nonce"):
        if not 16 <= len(params.get(name, "")) <= 256:
            raise OAuthError("invalid_request", f"{name} is required (16-256 characters)")
    names = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge")
    return {name: params.get(name, "") for name in (*names, "code_challenge_method")}


def authorize_form(params: dict[str, str], host: str) -> str:
    """The page the authorize endpoint shows: who signs in, locally."""
    request = _request(params, host)
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value, quote=True)}">'
        for name, value in request.items()
    )
    roles = "".join(f'<option value="{r}">{r}</option>' for r in STAFF_ROLES)
    bodies = "".join(f'<option value="{a}">{a}</option>' for a in AUTHORITIES)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập (môi trường local)</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
        "<h1>Đăng nhập vào bảng điều khiển</h1>"
        "<p>Môi trường local: chọn vai trò để đăng nhập (trên AWS đây là trang đăng nhập Cognito).</p>"
        f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
        f'<p><label for="role">Vai trò</label> <select id="role" name="role">{roles}</select></p>'
        '<p><label for="office">Mã BHXH tỉnh</label> <input id="office" name="office" value="031" '
        'pattern="[0-9]{3}" inputmode="numeric"></p>'
        f'<p><label for="authority">Cơ quan giải quyết</label> <select id="authority" name="authority">{bodies}'
        "</select></p>"
        '<p><button type="submit" id="sign-in">Đăng nhập</button></p></form></main></body></html>'
    )


def issue_code(params: dict[str, str], host: str) -> str:
    """The form sent: a one-time code bound to the challenge, nonce and return address; the answer
    is where the browser goes next (`redirect_uri?code=...&state=...`)."""
    request = _request(params, host)
    role = params.get("role", "")
    if role not in STAFF_ROLES:
        raise OAuthError("invalid_request", f"role must be one of {', '.join(STAFF_ROLES)}")
    office = params.get("office", "") if role != "admin" else ""
    if role != "admin" and not _OFFICE.fullmatch(office):
        raise OAuthError("invalid_request", "office is a province code of three digits (such as 031)")
    authority = params.get("authority") if role == "authority" else None
    if authority is not None and authority not in AUTHORITIES:
        raise OAuthError("invalid_request", f"authority must be one of {', '.join(AUTHORITIES)}")
    code = secrets.token_urlsafe(32)
    entry = _Code(
        challenge=request["code_challenge"],
        nonce=request["nonce"],
        redirect_uri=request["redirect_uri"],
        role=role,
        office=office or None,
        authority=authority,
        expires=time.monotonic() + CODE_SECONDS,
    )
    with _lock:
        now = time.monotonic()
        for stale in [c for c, e in _codes.items() if e.expires < now]:
            del _codes[stale]
        _codes[code] = entry
    return f"{request['redirect_uri']}?{urlencode({'code': code, 'state': request['state']})}"


def _challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def grant(params: dict[str, str]) -> dict[str, Any]:
    """The token endpoint: the code is spent on the first attempt, right or wrong, so a replayed or
    stolen code gets nothing; only the verifier of the bound challenge gets the ID token."""
    if params.get("grant_type") != "authorization_code":
        raise OAuthError("unsupported_grant_type", "only grant_type=authorization_code")
    if params.get("client_id") != LOCAL_CLIENT_ID:
        raise OAuthError("invalid_client", f"client_id must be {LOCAL_CLIENT_ID}")
    with _lock:
        entry = _codes.pop(params.get("code", ""), None)
    if entry is None or entry.expires < time.monotonic():
        raise OAuthError("invalid_grant", "unknown, expired or already used code")
    if params.get("redirect_uri") != entry.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
    verifier = params.get("code_verifier", "")
    if not _PKCE.fullmatch(verifier) or not hmac.compare_digest(_challenge_of(verifier), entry.challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    token = issue_local_token(
        entry.role,
        entry.office,
        sub=f"local-{entry.role}",
        ttl_seconds=ID_TOKEN_SECONDS,
        authority=entry.authority,
        nonce=entry.nonce,
    )
    return {
        "id_token": token,
        "access_token": _access_token(entry),
        "token_type": "Bearer",
        "expires_in": ID_TOKEN_SECONDS,
    }


def _access_token(entry: _Code) -> str:
    """What the console calls the API with, shaped as the stage's user pool makes it: `token_use`
    access, the staff scope, and the role, office and body its pre-token trigger copies in."""
    import jwt

    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": f"local-{entry.role}",
        "token_use": "access",
        "client_id": LOCAL_CLIENT_ID,
        "scope": SCOPES,
        "aud": "motcua",
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "role": entry.role,
    }
    assert STAFF_SCOPE in SCOPES.split()
    if entry.office:
        claims["office"] = entry.office
    if entry.authority:
        claims["authority"] = entry.authority
    return jwt.encode(claims, local_secret(), algorithm="HS256")
