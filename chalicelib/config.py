"""Settings of one stage, read from the environment once, validated as a whole.

Lambda gets its environment from `.chalice/config.json`; the local stack sets the same variables,
plus the standard `AWS_ENDPOINT_URL` that points every boto3 client at the emulator. Names of AWS
resources are derived from the stage so the template in `infra/` and the code agree without lookups.

Why one object: a variable that is missing or malformed must stop a function at its cold start (the
import of `app` reads the settings), with the variable named, not fail at the first slip or the
first callback. Each field is the variable `MOTCUA_<FIELD>`; in Lambda the settings fail closed (no
local stage or local tokens, no key in the environment but Secrets Manager, https partners only, a
TSA in prod).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["CODE_ROOT", "Settings", "SettingsError", "settings"]

CODE_ROOT = Path(__file__).resolve().parents[1]
"""Where app.py and chalicelib/ are: `/var/task` in Lambda, wherever an emulator unpacked the zip."""


class SettingsError(RuntimeError):
    """The environment does not make valid settings; the message names each variable and what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_", frozen=True, extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    stage: Literal["local", "dev", "prod"] = "local"
    region: str = Field("ap-southeast-1", validation_alias=AliasChoices("AWS_DEFAULT_REGION", "AWS_REGION"))
    account_id: str = "123456789012"
    """Buckets carry the account id in their names (S3 names are global)."""
    auth_mode: Literal["local", "cognito"] = "local"
    """`local` (HS256 tokens made by `motcua token`) or `cognito` (API Gateway authorizer)."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Where the public look-up lives; printed in the slips' QR codes."""
    cognito_domain: str = ""
    cognito_client_id: str = ""

    # -- slips ------------------------------------------------------------------------------------
    signing_chain: str = ""
    """PEM file: the slips' signing certificate, then its issuers."""
    slip_trust_roots: str = ""
    """PEM file: the roots a slip's chain must end in for `/v1/verify` to call it ours."""
    signing_history: str = ""
    """PEM file: every certificate the stage signed slips with before the current one (a key
    rotation appends the old certificate; nothing is ever removed). `/v1/verify` counts them as ours."""
    tsa_url: str = ""
    """An RFC 3161 time-stamping service; when set the slips are PAdES B-LT (required in prod; the local
    stage starts its own, `chalicelib.local.tsa`)."""
    slip_lta: bool = False
    """PAdES B-LTA: a document timestamp over each B-LT slip and its validation data (needs `tsa_url`),
    for slips that must be verifiable past the TSA's own certificate; off by default."""
    calendar_overrides: str = ""
    """A file of days off and working days announced after the `holidays` package knew them
    (`chalicelib/domain/data/calendar_overrides.txt` shows the format); empty: that shipped file."""

    # -- the applicant's signature ----------------------------------------------------------------
    trust_anchors: str = ""
    """A PEM bundle or a directory of them: the roots an employer's signing certificate may chain to."""
    revocation: Literal["soft", "hard", "off"] = "soft"
    """What an unreachable OCSP/CRL address does (`chalicelib.checks.trust.RevocationPolicy`): unset,
    `hard` in prod (the check step fails and is retried: nothing accepted on an unchecked certificate)
    and `soft` elsewhere (judged on the rest, recorded `unavailable`)."""

    # -- outside systems --------------------------------------------------------------------------
    portal_callback_url: str = ""
    portal_callback_secret: SecretStr = SecretStr("")
    authority_urls: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """JSON: authority code -> the URL of its online system."""
    authority_secret: SecretStr = SecretStr("")
    """The local stage's key for every authority; in AWS each authority has its own secret."""
    secrets: Literal["environment", "secretsmanager"] = "environment"
    """Where the HMAC keys come from (`chalicelib.adapters.secrets`): the local stage's environment,
    or, in every AWS stage, Secrets Manager, one secret per partner, readable by its function only."""
    authority_backoff: float = Field(0.5, ge=0, le=60)

    # -- local tokens -----------------------------------------------------------------------------
    jwt_secret: SecretStr = SecretStr("")
    """The local stage's HS256 secret; empty: one kept in the state directory."""
    state_dir: str = ".motcua"

    # -- extraction -------------------------------------------------------------------------------
    ocr_lang: str = "vie"
    ocr_engine: Literal["auto", "tesserocr", "pytesseract"] = "auto"
    """Tesseract in this process, its model loaded once (tesserocr), or a `tesseract` process per
    reading (pytesseract); auto: tesserocr where it is installed, pytesseract otherwise
    (chalicelib/extraction/engine.py). tesserocr is built against the system's own libtesseract (the
    CLI's), so both engines are one Tesseract: through it `bench/accuracy.py` sends back no valid dossier
    on seeds 2020, 7, 31 and 101, as through the CLI (the wheel's bundled 5.5.4 had sent back 3 of 81)."""
    ocr_timeout: float = Field(120, gt=0, le=900)
    ocr_workers: int | None = Field(None, ge=1, le=64)
    """Pages read at once; unset: one per CPU."""
    flatten_light: bool = True
    max_attachment_bytes: int = Field(100 * 1024 * 1024, gt=0)
    reread_conf: float = Field(0.88, ge=0, le=1)
    extract_budget_seconds: float = Field(200, gt=0)
    household_offices: str = ""
    """Province codes (`031,01`) of offices that receive household-business dossiers although they are
    not BHXH's (filed at the commune); by default none does (issue 16)."""

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("signing_chain", "slip_trust_roots", "trust_anchors", "calendar_overrides")
    @classmethod
    def _relative_to_the_code(cls, value: str) -> str:
        """A relative path names a file shipped in the package (`chalicelib/certs/dev-chain.pem`):
        found beside the code, not at a fixed `/var/task`, so the same template runs in Lambda and in
        the emulator of `make rehearse` (which unpacks the zip elsewhere)."""
        if not value.strip():
            return value
        return os.pathsep.join(
            str(CODE_ROOT / part) if part and not os.path.isabs(part) else part for part in value.split(os.pathsep)
        )

    @field_validator("slip_lta", mode="before")
    @classmethod
    def _placeholder_is_off(cls, value: object) -> object:
        if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
            return False  # `chalice package` imports the app with the template's placeholders as values
        return value

    @field_validator("authority_urls", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
            return {}  # `chalice package` imports the app with the template's placeholders as values
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError("a JSON object of authority code -> URL")
        return value

    @model_validator(mode="before")
    @classmethod
    def _revocation_by_stage(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("revocation"):
            return {**data, "revocation": "hard" if data.get("stage") == "prod" else "soft"}
        return data

    @model_validator(mode="after")
    def _fail_closed_in_lambda(self) -> Settings:
        if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            return self
        if self.stage == "local" or self.auth_mode != "cognito":
            raise ValueError("in Lambda the stage must be dev or prod and MOTCUA_AUTH_MODE cognito")
        if self.stage == "prod" and not self.tsa_url:
            raise ValueError("prod signs PAdES B-LT slips: MOTCUA_TSA_URL (an RFC 3161 service) is required")
        if self.secrets != "secretsmanager":
            raise ValueError("in Lambda the HMAC keys come from Secrets Manager: MOTCUA_SECRETS=secretsmanager")
        if self.portal_callback_secret.get_secret_value() or self.authority_secret.get_secret_value():
            raise ValueError(
                "a key in the environment is readable with the function's configuration: use Secrets Manager"
            )
        for url in (self.portal_callback_url, *self.authority_urls.values()):
            if url and not url.startswith("https://"):
                raise ValueError(f"outside the local stage every partner is reached over https, not {url[:40]!r}")
        return self

    def receives_household_business(self, province_code: str) -> bool:
        return province_code in {c.strip() for c in self.household_offices.split(",") if c.strip()}

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
    """The stage's settings, read on first use (a cold start) and kept. Whoever changes the
    environment afterwards (the local stage, a test) calls `settings.cache_clear()`."""
    try:
        return Settings()  # type: ignore[call-arg]  # the required fields come from the environment
    except ValidationError as error:
        problems = "; ".join(f"{_variable(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False))
        raise SettingsError(f"motcua settings: {problems}") from None


def _variable(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "settings"
    if loc[0] == "region":
        return "AWS_DEFAULT_REGION"
    return f"MOTCUA_{str(loc[0]).upper()}"
