"""Settings of one stage, read from the environment only.

Lambda gets its environment from `.chalice/config.json`; the local stack sets the same variables,
plus the standard `AWS_ENDPOINT_URL` that points every boto3 client at the emulator. Names of AWS
resources are derived from the stage so the template in `infra/` and the code agree without lookups.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Settings", "settings"]


@dataclass(frozen=True)
class Settings:
    stage: str
    """`local`, `dev` or `prod`."""
    region: str
    account_id: str
    """Buckets carry the account id in their names (S3 names are global)."""
    auth_mode: str
    """`local` (HS256 tokens made by `motcua token`) or `cognito` (API Gateway authorizer)."""
    public_base_url: str
    """Where the public look-up lives; printed in the slips' QR codes."""

    def name(self, what: str) -> str:
        """Name of a table or queue of this stage, e.g. `motcua-local-dossiers`."""
        return f"motcua-{self.stage}-{what}"

    def bucket(self, what: str) -> str:
        return f"motcua-{self.stage}-{what}-{self.account_id}"

    @property
    def signing_key_alias(self) -> str:
        return f"alias/motcua-{self.stage}-signing"


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    stage = env.get("MOTCUA_STAGE", "local")
    return Settings(
        stage=stage,
        region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "ap-southeast-1",
        account_id=env.get("MOTCUA_ACCOUNT_ID", "123456789012"),
        auth_mode=env.get("MOTCUA_AUTH_MODE", "local"),
        public_base_url=env.get("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    )
