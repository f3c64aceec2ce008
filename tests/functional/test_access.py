"""The auth matrix: every route × every role × own/other office (API.md: 401, 403 as written)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import dossier_body, png_bytes

OWN, OTHER = "031", "079"
CALLERS: dict[str, tuple[str, str | None] | None] = {
    "anonymous": None,
    "portal": ("portal", None),
    "clerk_own": ("clerk", OWN),
    "clerk_other": ("clerk", OTHER),
    "authority_own": ("authority", OWN),
    "authority_other": ("authority", OTHER),
    "admin": ("admin", None),
}
ACCESS_TOKENS: dict[str, tuple[dict[str, str], str]] = {
    # issue 18: access tokens as the stage's user pool makes them (every secured route wants one in AWS);
    # caller -> (claims, the caller whose answers it gets; "" = its own: see `_expected`)
    "portal_access": ({"scope": "motcua/portal", "sub": "portal-client", "role": "admin"}, "portal"),
    "clerk_access": ({"scope": "openid email motcua/staff", "sub": "u1", "role": "clerk", "office": OWN}, "clerk_own"),
    "foreign_scope": ({"scope": "openid email", "sub": "u2", "role": "admin"}, ""),
    "no_scope": ({"sub": "portal-client"}, ""),
}
PUBLIC: dict[str, int | None] = dict.fromkeys([*CALLERS, *ACCESS_TOKENS])
PORTAL_ONLY = {
    "anonymous": 401,
    "portal": None,
    "clerk_own": 403,
    "clerk_other": 403,
    "authority_own": 403,
    "authority_other": 403,
    "admin": None,
}

# route -> (method, path template, body, content type, expected status per caller; None = the route's success code)
ROUTES: dict[str, tuple[str, str, Any, str, dict[str, int | None], int]] = {
    "health": ("GET", "/v1/health", None, "", PUBLIC, 200),
    "verify": ("POST", "/v1/verify", "png", "application/pdf", PUBLIC, 422),  # reached: a PNG is no PDF
    "openapi": ("GET", "/v1/openapi.json", None, "", PUBLIC, 200),
    "lookup": ("GET", "/v1/lookup/{code}", None, "", PUBLIC, 200),
    "create": ("POST", "/v1/dossiers", "new", "application/json", PORTAL_ONLY, 201),
    "attach": ("PUT", "/v1/dossiers/{id}/attachments/list.png", "png", "image/png", PORTAL_ONLY, 200),
    "upload_ticket": (
        "POST",
        "/v1/dossiers/{id}/uploads",
        {"name": "big.pdf", "content_type": "application/pdf", "size": 9000000, "sha256": "0" * 64},
        "application/json",
        PORTAL_ONLY,
        201,
    ),
    "submit": ("POST", "/v1/dossiers/{id}/submit", None, "", PORTAL_ONLY, 202),
    "read": (
        "GET",
        "/v1/dossiers/{id}",
        None,
        "",
        # an authority reads only what is forwarded to its own body (this draft is not: tests/functional/test_authorities.py)
        {
            "anonymous": 401,
            "portal": 200,
            "clerk_own": 200,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": 200,
        },
        200,
    ),
    "worklist": (  # an authority's inbox is its own office's list
        "GET",
        "/v1/dossiers?office=" + OWN,
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": 200,
            "clerk_other": 200,
            "authority_own": 200,
            "authority_other": 200,
            "admin": 200,
        },
        200,
    ),
    "stats": (
        "GET",
        "/v1/stats?office=" + OWN,
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": 200,
            "clerk_other": 200,
            "authority_own": 403,
            "authority_other": 403,
            "admin": 200,
        },
        200,
    ),
    "document": (  # reached: the new dossier has no receipt yet (404)
        "GET",
        "/v1/dossiers/{id}/documents/receipt",
        None,
        "",
        {
            "anonymous": 401,
            "portal": None,
            "clerk_own": None,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        404,
    ),
    "worker_lists": (
        "GET",
        "/v1/dossiers/{id}/worker-lists",
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": 200,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": 200,
        },
        200,
    ),
    "resend": (  # reached: a draft awaits no correction (409)
        "POST",
        "/v1/dossiers/{id}/correction-request/resend",
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": None,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        409,
    ),
    "console": ("GET", "/console/", None, "", PUBLIC, 200),
    "decision": (  # reached: a draft awaits no decision (409)
        "POST",
        "/v1/dossiers/{id}/decision",
        {"result": "approved"},
        "application/json",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": None,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        409,
    ),
    "feedback_list": (
        "GET",
        "/v1/feedback?office=" + OWN,
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": 200,
            "clerk_other": 200,
            "authority_own": 403,
            "authority_other": 403,
            "admin": 200,
        },
        200,
    ),
    "feedback_answer": (  # reached: no such item (404), for a clerk of any office as for an admin
        "POST",
        "/v1/feedback/PA-031-2026-NOSUCH23/answer",
        {"answer": "x"},
        "application/json",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": None,
            "clerk_other": None,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        404,
    ),
    "feedback_item": ("GET", "/v1/feedback/PA-031-2026-NOSUCH23", None, "", PUBLIC, 404),
    "public_file": ("GET", "/public/public.css", None, "", PUBLIC, 200),
    "delay": (  # reached: a draft has no step open (409)
        "POST",
        "/v1/dossiers/{id}/delay",
        {"reason": "Hệ thống gặp sự cố kỹ thuật."},
        "application/json",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": None,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        409,
    ),
    "return": (  # reached: a draft has no result to hand back (409)
        "POST",
        "/v1/dossiers/{id}/return",
        None,
        "",
        {
            "anonymous": 401,
            "portal": 403,
            "clerk_own": None,
            "clerk_other": 403,
            "authority_own": 403,
            "authority_other": 403,
            "admin": None,
        },
        409,
    ),
}


def _payload(body: Any) -> str | bytes | None:
    if body == "new":
        return json.dumps(dossier_body())
    if body == "png":
        return png_bytes()
    return json.dumps(body) if body is not None else None


def _access_token(claims: dict[str, str]) -> dict[str, str]:
    """Signed as the local stage verifies tokens; shaped as Cognito's access tokens (`token_use` access)."""
    import time

    import jwt

    from chalicelib.api.auth import local_secret

    now = int(time.time())
    body = {"token_use": "access", "client_id": "client", "aud": "motcua", "iat": now, "exp": now + 600, **claims}
    return {"Authorization": f"Bearer {jwt.encode(body, local_secret(), algorithm='HS256')}"}


def _expected(expected: dict[str, int | None], caller: str) -> int | None:
    """An access token gets what the caller its scope makes it gets; a foreign scope may call no secured
    route (403: the scope decides, not the role claim beside it), none at all is no one (401)."""
    if caller in expected:
        return expected[caller]
    secured = expected["anonymous"] == 401
    as_whom = ACCESS_TOKENS[caller][1]
    if as_whom:
        return expected[as_whom]
    return ({"foreign_scope": 403, "no_scope": 401}[caller]) if secured else None


@pytest.mark.parametrize("caller", [*CALLERS, *ACCESS_TOKENS])
@pytest.mark.parametrize("route", list(ROUTES))
def test_access(api: Any, token: Callable[..., dict[str, str]], route: str, caller: str) -> None:
    method, template, body, content_type, expected, success = ROUTES[route]
    # GIVEN a dossier of office 031, created by the portal
    created = dossier_body(applicant={**dossier_body()["applicant"], "province_code": OWN})
    dossier = api.http.post(
        "/v1/dossiers", headers={**token("portal"), "Content-Type": "application/json"}, body=json.dumps(created)
    ).json_body
    identity = CALLERS.get(caller)
    headers = (
        token(*identity) if identity else _access_token(ACCESS_TOKENS[caller][0]) if caller in ACCESS_TOKENS else {}
    )
    if content_type:
        headers["Content-Type"] = content_type
    payload = _payload(body)
    # WHEN the caller calls the route
    reply = getattr(api.http, method.lower())(
        template.format(id=dossier["id"], code=created["portal_code"]), headers=headers, body=payload
    )
    # THEN the answer is the one the contract gives that caller
    want = _expected(expected, caller) or success
    assert reply.status_code == want, reply.body[:300]
    if want in (401, 403):
        error = reply.json_body["error"]
        assert error["code"] == {401: "unauthorized", 403: "forbidden"}[want]
        assert error["message"] and error["message_en"] and error["message"] != error["message_en"]  # vi and en
    if route == "worklist" and caller == "clerk_other":
        assert dossier["id"] not in [item["id"] for item in reply.json_body["items"]]
