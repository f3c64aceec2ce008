"""The partners' HMAC keys from Secrets Manager (the local emulator has it): one per authority, none empty."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters import secrets
from chalicelib.adapters.aws import client
from chalicelib.config import settings


@pytest.fixture
def from_secrets_manager(local_stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOTCUA_SECRETS", "secretsmanager")
    monkeypatch.setenv("MOTCUA_STAGE", "dev")  # names of another stage than the session's own
    settings.cache_clear()
    secrets._cache.clear()
    manager = client("secretsmanager")
    yield manager
    for page in manager.get_paginator("list_secrets").paginate():
        for secret in page["SecretList"]:
            if secret["Name"].startswith("motcua/dev/"):
                manager.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)
    secrets._cache.clear()
    monkeypatch.undo()
    settings.cache_clear()


def test_each_authority_signs_with_its_own_secret_and_none_with_an_empty_one(from_secrets_manager: Any) -> None:
    # GIVEN the stage's secrets: one per authority, and an empty one for the portal
    manager = from_secrets_manager
    manager.create_secret(Name=secrets.secret_name("authority/province"), SecretString="province-key")
    manager.create_secret(Name=secrets.secret_name("authority/social_policy_bank"), SecretString="bank-key")
    manager.create_secret(Name=secrets.secret_name("portal-callback"), SecretString="   ")
    # THEN each authority's key is its own
    assert secrets.authority_secret("province") == b"province-key"
    assert secrets.authority_secret("social_policy_bank") == b"bank-key"
    # AND an authority without a secret, or an empty secret, signs nothing (named, for the operator)
    with pytest.raises(secrets.SecretMissing, match="authority/labour_department"):
        secrets.authority_secret("labour_department")
    with pytest.raises(secrets.SecretMissing, match="empty"):
        secrets.portal_callback_secret()
