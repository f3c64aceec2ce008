"""Who is calling, and what they may do.

Roles and offices as in API.md: `portal` (the national portal, a machine client), `clerk` and
`authority` (bound to a province office), `admin`. The local stage verifies HS256 tokens signed with
its own key (made by `motcua token`); in AWS the Cognito authorizer has verified the token already
and its claims arrive in the request context.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from chalicelib.config import settings
from chalicelib.domain.actions import AUTHORITIES
from chalicelib.domain.dossier import Dossier

__all__ = [
    "MACHINE_SCOPES",
    "MACHINE_SCOPE_OF",
    "ROLES",
    "STAFF_ROLES",
    "STAFF_SCOPE",
    "Forbidden",
    "Principal",
    "Unauthorized",
    "authenticate",
    "issue_local_token",
    "local_secret",
    "require_dossier_access",
    "require_role",
]

Role = Literal["portal", "clerk", "authority", "admin"]
ROLES: tuple[str, ...] = ("portal", "clerk", "authority", "admin")
OFFICE_ROLES = frozenset({"clerk", "authority"})
STAFF_ROLES: tuple[str, ...] = ("clerk", "authority", "admin")
_ALGORITHM = "HS256"
_AUDIENCE = "motcua"


class Unauthorized(Exception):
    """No token, or one that is not valid: 401."""


class Forbidden(Exception):
    """A valid token whose role or office may not do this: 403."""


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    office: str | None
    authority: str | None = None
    """For an authority: which body it is (`province`, `social_policy_bank`, ...); it sees and decides
    only the dossiers forwarded to that body."""

    @property
    def label(self) -> str:
        """How the caller appears in a dossier's history (no personal data: role, office, subject id)."""
        who = f"{self.role}/{self.authority}" if self.authority else self.role
        return f"{who}:{self.office}:{self.sub}" if self.office else f"{who}:{self.sub}"


def state_dir() -> Path:
    return Path(settings().state_dir).resolve()


@lru_cache(maxsize=1)
def local_secret() -> bytes:
    """The local stage's own signing key: from `MOTCUA_JWT_SECRET`, else a file made on first use."""
    if settings().jwt_secret.get_secret_value():
        return settings().jwt_secret.get_secret_value().encode()
    path = state_dir() / "jwt-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_text().strip().encode()


def issue_local_token(
    role: str,
    office: str | None = None,
    sub: str | None = None,
    ttl_seconds: int = 12 * 3600,
    authority: str | None = None,
    nonce: str | None = None,
) -> str:
    """`nonce`: the console's sign-in request's (the local OAuth issuer's ID tokens carry it, as
    Cognito's do, so the console knows the token answers its own request)."""
    import jwt

    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role in OFFICE_ROLES and not office:
        raise ValueError(f"role {role} needs --office (a province code such as 031)")
    if (role == "authority") != (authority is not None) or (authority is not None and authority not in AUTHORITIES):
        raise ValueError(f"role authority, and only it, needs --authority, one of {', '.join(AUTHORITIES)}")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or f"local-{role}",
        "role": role,
        "aud": _AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if office:
        claims["office"] = office
    if authority:
        claims["authority"] = authority
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, local_secret(), algorithm=_ALGORITHM)


MACHINE_SCOPES: dict[str, Role] = {"motcua/portal": "portal"}
"""Scope of the user pool's resource server -> the role of the machine client holding it. Why a scope:
a client-credentials access token carries no user attributes; what it may do is the scope it was
granted, and nothing in the token besides decides the role."""
MACHINE_SCOPE_OF: dict[str, str] = {role: scope for scope, role in MACHINE_SCOPES.items()}
STAFF_SCOPE = "motcua/staff"
"""The scope of the console's access tokens (staff signed in at the hosted UI): the role, office and
body in them are the user's own attributes, copied in by the pool's pre-token-generation trigger
(`chalicelib/api/staff_claims.py`); only the pool signs them."""


def _access_principal(claims: Mapping[str, Any]) -> Principal:
    """An access token: the portal's (client credentials) by its machine scope alone, a staff member's
    by `motcua/staff` and the claims the trigger put in. No scope: no one (401); scopes, but none or
    more than one of this API's: not allowed here (403)."""
    scopes = set(str(claims.get("scope") or "").split())
    if not scopes:
        raise Unauthorized("an access token without a scope")
    machine: set[Role] = {MACHINE_SCOPES[s] for s in scopes if s in MACHINE_SCOPES}
    staff = STAFF_SCOPE in scopes
    if len(machine) == 1 and not staff:
        sub = claims.get("sub") or claims.get("client_id")
        if not isinstance(sub, str):
            raise Unauthorized("an access token without a subject")
        return Principal(sub=sub, role=machine.pop(), office=None, authority=None)  # any role claim is ignored
    if staff and not machine:
        principal = _user_principal(claims)
        if principal.role not in STAFF_ROLES:
            raise Forbidden(f"the staff scope does not make a {principal.role}")
        return principal
    raise Forbidden("an access token needs exactly one of this API's scopes (motcua/portal or motcua/staff)")


def _user_principal(claims: Mapping[str, Any]) -> Principal:
    role = claims.get("role") or claims.get("custom:role")
    office = claims.get("office") or claims.get("custom:office")
    sub = claims.get("sub")
    authority = claims.get("authority") or claims.get("custom:authority")
    if role not in ROLES or not isinstance(sub, str) or (role in OFFICE_ROLES and not office):
        raise Unauthorized("token lacks a valid role, office or subject")
    if (role == "authority") != bool(authority) or (authority and authority not in AUTHORITIES):
        raise Unauthorized("an authority's token names its body, and only an authority's does")
    return Principal(
        sub=sub, role=role, office=str(office) if office else None, authority=str(authority) if authority else None
    )


def _principal(claims: Mapping[str, Any]) -> Principal:
    if claims.get("token_use") == "access":
        return _access_principal(claims)
    return _user_principal(claims)


def authenticate(headers: Mapping[str, str], context: Mapping[str, Any] | None = None) -> Principal:
    if settings().auth_mode == "cognito":
        claims = ((context or {}).get("authorizer") or {}).get("claims")
        if not claims:
            raise Unauthorized("no verified claims from the authorizer")
        return _principal(claims)
    header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    import jwt

    try:
        claims = jwt.decode(
            token.strip(),
            local_secret(),
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(str(error)) from None
    return _principal(claims)


def require_role(principal: Principal, roles: Iterable[str]) -> None:
    if principal.role not in roles and principal.role != "admin":
        raise Forbidden(f"role {principal.role} may not do this")


def require_dossier_access(principal: Principal, dossier: Dossier, roles: Iterable[str]) -> None:
    """The role may act, an office-bound caller only on dossiers of their own office, and an
    authority only on dossiers forwarded to its own body."""
    require_role(principal, roles)
    if principal.role in OFFICE_ROLES and principal.office != dossier.office:
        raise Forbidden("dossier of another office")
    if principal.role == "authority" and dossier.forwarded_to != principal.authority:
        raise Forbidden("dossier not forwarded to this authority")
