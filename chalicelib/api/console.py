"""The clerk console: a few static files served by the app itself, under strict security headers.

The page is one more client of the JSON API (it holds no rule of its own), so it needs no server
of its own: Chalice serves `templates/console/` at `/console/`. Only the files named here are
served; the Content Security Policy allows scripts, styles and calls from this origin only, and
frames from the slips bucket (the slip preview is its presigned URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.config import settings
from chalicelib.domain.deadlines import OUTCOME_TITLES, REASONS
from chalicelib.domain.feedback import rules as feedback_rules
from chalicelib.domain.procedures import BODIES
from chalicelib.domain.states import TITLES as STATUS_TITLES
from chalicelib.errors import NotFound

__all__ = ["ASSETS", "LOCAL_CLIENT_ID", "Headers", "asset", "config", "security_headers"]

Headers = dict[str, str | list[str]]
"""As Chalice's `Response` takes them."""

LOCAL_CLIENT_ID = "motcua-console"
"""The console's client id at the local stage's own OAuth issuer (`chalicelib/local/oauth.py`)."""
LOCAL_OAUTH = {"authorize": "local/oauth2/authorize", "token": "local/oauth2/token"}
"""Where the local server answers the code flow, relative to the API's root (the local server alone
serves them; they are in neither the package nor the OpenAPI document)."""
SCOPES = "openid email motcua/staff"
"""What the console asks for: its access token's `motcua/staff` is what the API's routes want (`app.py`)."""

CONSOLE_DIR = Path(__file__).resolve().parents[2] / "templates" / "console"
ASSETS: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}


def security_headers(content_type: str, frame_origin: str = "") -> Headers:
    """`frame_origin`: where the page may show slip previews from (the slips bucket's origin)."""
    frames = f"'self' {frame_origin}".rstrip() if content_type.startswith("text/html") else "'none'"
    login = settings().cognito_domain if settings().auth_mode == "cognito" else ""
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'{' ' + login if login else ''}; "
            f"frame-src {frames}; form-action 'self'{' ' + login if login else ''}; base-uri 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Strict-Transport-Security": "max-age=31536000",
        "Cache-Control": "no-cache",
    }


def asset(name: str, frame_origin: str = "") -> tuple[str, Headers]:
    """The file's text and the headers to serve it with; anything not in `ASSETS` is a 404."""
    if name not in ASSETS:
        raise NotFound("console_file")
    return (CONSOLE_DIR / name).read_text(encoding="utf-8"), security_headers(ASSETS[name], frame_origin)


def _oauth() -> dict[str, str] | None:
    """The authorization-code flow with PKCE the console signs in by: the Cognito hosted UI of the
    stage's user pool in AWS (its token endpoint is called from the page: `connect-src`), the local
    server's own issuer locally. None: Cognito without a domain or client configured (no sign-in)."""
    if settings().auth_mode != "cognito":
        return {**LOCAL_OAUTH, "client_id": LOCAL_CLIENT_ID, "scope": SCOPES}
    domain, client_id = settings().cognito_domain.rstrip("/"), settings().cognito_client_id
    if not (domain and client_id):
        return None
    return {
        "authorize": f"{domain}/oauth2/authorize",
        "token": f"{domain}/oauth2/token",
        "client_id": client_id,
        "scope": SCOPES,
    }


def config() -> dict[str, Any]:
    """What the page needs to know that only the server knows: how to sign in, and the names of
    statuses and slips as the slips print them (the procedures it reads from `GET /v1/procedures`)."""
    from chalicelib.documents.slips import TITLES as SLIP_TITLES

    return {
        "auth": settings().auth_mode,
        "oauth": _oauth(),
        "feedback_kinds": feedback_rules().kinds,
        "statuses": {status.value: title for status, title in STATUS_TITLES.items()},
        "documents": SLIP_TITLES,
        "bodies": BODIES,
        "outcomes": OUTCOME_TITLES,
        "delay_reasons": list(REASONS),
    }
