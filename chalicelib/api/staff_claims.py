"""The user pool's pre-token-generation trigger (event version 2): what a staff member's access token says.

Why: API Gateway's Cognito authorizer takes one kind of token per route: an ID token where the route
names no scope, an access token with one of the route's scopes otherwise. The portal signs in as a
machine (client credentials: access tokens only), and it shares routes with the staff (a dossier, its
slips). So every secured route wants an access token, and the staff's carry the scope `motcua/staff`
(the console's client may ask for it) and, from this trigger, the user's own role, office and body:
attributes only an administrator writes (the console's client may write none of them). A user whose
role is not a staff role gets no staff scope. The function is its own small Lambda (no `app.py`, none
of the stage's settings or secrets): Cognito waits at most five seconds for it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.auth import STAFF_ROLES, STAFF_SCOPE

__all__ = ["ATTRIBUTES", "handler"]

ATTRIBUTES = {"role": "custom:role", "office": "custom:office", "authority": "custom:authority"}
"""Claim of the access token -> the user attribute it is copied from."""


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    role = attributes.get("custom:role")
    if role in STAFF_ROLES:
        claims = {claim: str(attributes[name]) for claim, name in ATTRIBUTES.items() if attributes.get(name)}
        access: dict[str, Any] = {"claimsToAddOrOverride": claims}
    else:
        access = {"scopesToSuppress": [STAFF_SCOPE]}
    event["response"] = {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": access}}
    return event
