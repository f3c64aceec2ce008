"""The HMAC keys shared with the portal and with each authority: one secret each, never an empty one.

In AWS (`MOTCUA_SECRETS=secretsmanager`) each key is a Secrets Manager secret of its own,
`motcua/<stage>/portal-callback` and `motcua/<stage>/authority/<code>`, which only the function that
uses it may read (notify the first, workflow the others: `.chalice/policy-*.json`); nothing lands in
a function's environment. The local stage keeps them in its environment (`MOTCUA_PORTAL_CALLBACK_SECRET`,
`MOTCUA_AUTHORITY_SECRET`). A key read is kept for `CACHE_SECONDS`, so a rotation reaches every
function within minutes without a deploy.
"""

from __future__ import annotations

import threading
import time

from chalicelib.config import settings

__all__ = ["CACHE_SECONDS", "SecretMissing", "authority_secret", "portal_callback_secret", "secret_name"]

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, bytes]] = {}
_lock = threading.Lock()


class SecretMissing(RuntimeError):
    """A key that is not set or empty: nothing is signed with it (the step fails and is retried)."""


def secret_name(purpose: str) -> str:
    """`portal-callback` or `authority/<code>` -> the secret's name in this stage."""
    return f"motcua/{settings().stage}/{purpose}"


def _from_secrets_manager(name: str) -> bytes:
    from chalicelib.adapters.aws import client

    now = time.monotonic()
    with _lock:
        cached = _cache.get(name)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    try:
        value = client("secretsmanager").get_secret_value(SecretId=name).get("SecretString") or ""
    except Exception as error:
        raise SecretMissing(f"the secret {name} cannot be read: {type(error).__name__}") from error
    with _lock:
        _cache[name] = (now, value.encode())
    return value.encode()


def _key(purpose: str, environment_value: str) -> bytes:
    name = secret_name(purpose)
    key = _from_secrets_manager(name) if settings().secrets == "secretsmanager" else environment_value.encode()
    if not key.strip():
        raise SecretMissing(f"the secret {name} is empty: nothing is signed with an empty key")
    return key


def portal_callback_secret() -> bytes:
    return _key("portal-callback", settings().portal_callback_secret.get_secret_value())


def authority_secret(authority: str) -> bytes:
    """The key of one authority: a leak of one does not let anyone sign as motcua to the others."""
    return _key(f"authority/{authority}", settings().authority_secret.get_secret_value())
