"""The stage's settings and the step messages: what a malformed environment or message gets."""

from __future__ import annotations

import pytest

from chalicelib.config import SettingsError, settings
from chalicelib.domain.messages import StepMessage


def test_a_malformed_variable_stops_the_start_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_STAGE", "staging")
    monkeypatch.setenv("MOTCUA_OCR_TIMEOUT", "soon")
    settings.cache_clear()
    with pytest.raises(SettingsError) as refused:
        settings()
    assert "MOTCUA_STAGE" in str(refused.value) and "MOTCUA_OCR_TIMEOUT" in str(refused.value)


def test_in_lambda_the_settings_fail_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "motcua-dev-api_handler")
    for stage, mode in (("local", "local"), ("dev", "local")):
        monkeypatch.setenv("MOTCUA_STAGE", stage)
        monkeypatch.setenv("MOTCUA_AUTH_MODE", mode)
        settings.cache_clear()
        with pytest.raises(SettingsError, match="cognito"):
            settings()
    monkeypatch.setenv("MOTCUA_AUTH_MODE", "cognito")
    # keys in the environment (readable with the function's configuration) stop the start
    settings.cache_clear()
    with pytest.raises(SettingsError, match="MOTCUA_SECRETS=secretsmanager"):
        settings()
    monkeypatch.setenv("MOTCUA_SECRETS", "secretsmanager")
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_SECRET", "s3cret")
    settings.cache_clear()
    with pytest.raises(SettingsError, match="Secrets Manager"):
        settings()
    monkeypatch.delenv("MOTCUA_PORTAL_CALLBACK_SECRET")
    # a partner over plain http stops it too
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_URL", "http://portal.example/callback")
    settings.cache_clear()
    with pytest.raises(SettingsError, match="https"):
        settings()
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_URL", "https://portal.example/callback")
    settings.cache_clear()
    assert settings().stage == "dev" and settings().secrets == "secretsmanager"
    settings.cache_clear()


def test_empty_variables_are_unset_and_json_ones_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_OCR_WORKERS", "")
    monkeypatch.setenv("MOTCUA_AUTHORITY_URLS", '{"province": "https://authority.example/inbox"}')
    settings.cache_clear()
    assert settings().ocr_workers is None
    assert settings().authority_urls == {"province": "https://authority.example/inbox"}
    monkeypatch.setenv("MOTCUA_AUTHORITY_URLS", '["not", "an", "object"]')
    settings.cache_clear()
    with pytest.raises(SettingsError, match="MOTCUA_AUTHORITY_URLS"):
        settings()


def test_a_step_message_goes_to_its_steps_queue_and_reads_back() -> None:
    message = StepMessage("d-1", "confirm", 2)
    assert message.queue == "workflow"
    assert StepMessage.from_json(message.to_json()) == message
    assert StepMessage.from_json('{"dossier_id": "d-1", "step": "extract"}').round == 1


@pytest.mark.parametrize(
    "body",
    [
        '{"dossier_id": "d-1", "step": "forward"}',
        '{"step": "check"}',
        "[]",
        "not json",
        '{"dossier_id": "d-1", "step": "check", "round": 0}',
    ],
)
def test_a_malformed_message_is_refused_by_name(body: str) -> None:
    with pytest.raises(ValueError, match="dossier_id and step"):
        StepMessage.from_json(body)


def test_prod_refuses_to_start_without_a_time_stamping_authority(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a prod function whose stage names no TSA
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "motcua-prod-api")
    monkeypatch.setenv("MOTCUA_STAGE", "prod")
    monkeypatch.setenv("MOTCUA_AUTH_MODE", "cognito")
    monkeypatch.setenv("MOTCUA_SECRETS", "secretsmanager")
    monkeypatch.delenv("MOTCUA_TSA_URL", raising=False)
    settings.cache_clear()
    # THEN it does not start: its slips would stop verifying when the certificate expires
    with pytest.raises(SettingsError, match="MOTCUA_TSA_URL"):
        settings()
    monkeypatch.setenv("MOTCUA_TSA_URL", "https://tsa.example.vn/tsr")
    settings.cache_clear()
    assert settings().tsa_url == "https://tsa.example.vn/tsr"
    settings.cache_clear()


def test_an_unreachable_revocation_service_fails_hard_in_prod_and_soft_elsewhere_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 18, finding 2: every stage defaulted to soft-fail, so prod accepted a certificate whose
    OCSP/CRL could not be asked unless the operator remembered to say otherwise."""
    import json
    from pathlib import Path

    from chalicelib.checks.trust import revocation_policy

    monkeypatch.delenv("MOTCUA_REVOCATION", raising=False)
    found = {}
    for stage in ("local", "dev", "prod"):
        monkeypatch.setenv("MOTCUA_STAGE", stage)
        settings.cache_clear()
        found[stage] = revocation_policy().mode
    assert found == {"local": "soft", "dev": "soft", "prod": "hard"}
    monkeypatch.setenv("MOTCUA_REVOCATION", "soft")  # the operator's word wins
    settings.cache_clear()
    assert revocation_policy().mode == "soft"
    settings.cache_clear()
    # AND the deployed prod stage says hard too
    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    assert config["stages"]["prod"]["environment_variables"]["MOTCUA_REVOCATION"] == "hard"
