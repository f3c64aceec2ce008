"""Personal data stays out of logs; tokens are checked as API.md says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.api import auth
from chalicelib.config import settings
from chalicelib.domain.dossier import CreateDossier, Dossier
from chalicelib.logs import logger, redact


def test_identifier_like_digit_runs_are_redacted_from_every_log_field(capsys: pytest.CaptureFixture[str]) -> None:
    logger().info("worker 0123456789 not found", extra={"id_number": "031085123456", "dossier_id": "abc123"})
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "0123456789" not in json.dumps(line) and "031085123456" not in json.dumps(line)
    assert line["message"] == "worker ########## not found"
    assert line["dossier_id"] == "abc123"


def test_a_dossier_id_stays_whole_in_logs_even_with_a_run_of_digits(capsys: pytest.CaptureFixture[str]) -> None:
    dossier_id = "bc58b44e820e4001bdc9d7b123456789"  # a uuid4 in hex may hold nine digits in a row
    logger().info("checked", extra={"dossier_id": dossier_id, "note": "SI 0123456789 in dossier"})
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["dossier_id"] == dossier_id
    assert line["note"] == "SI ########## in dossier"


def test_redact_leaves_dates_and_short_numbers() -> None:
    assert redact("row 3, 2020-04-01, office 031") == "row 3, 2020-04-01, office 031"


def test_a_local_token_round_trips_with_role_and_office(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "unit-test-secret-0123456789-abcdefghij")
    settings.cache_clear()
    auth.local_secret.cache_clear()
    token = auth.issue_local_token("clerk", "031", sub="clerk-7")
    principal = auth.authenticate({"Authorization": f"Bearer {token}"})
    assert principal == auth.Principal(sub="clerk-7", role="clerk", office="031")
    auth.local_secret.cache_clear()


@pytest.mark.parametrize("header", ["", "Bearer", "Basic abc", "Bearer not.a.jwt"])
def test_missing_or_malformed_tokens_are_unauthorized(header: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "unit-test-secret-0123456789-abcdefghij")
    settings.cache_clear()
    auth.local_secret.cache_clear()
    with pytest.raises(auth.Unauthorized):
        auth.authenticate({"Authorization": header} if header else {})
    auth.local_secret.cache_clear()


def test_a_token_signed_with_another_key_or_expired_is_unauthorized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "first-secret-0123456789-abcdefghijklmn")
    settings.cache_clear()
    auth.local_secret.cache_clear()
    forged = auth.issue_local_token("admin")
    expired = auth.issue_local_token("portal", ttl_seconds=-10)
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "other-secret-0123456789-abcdefghijklmn")
    settings.cache_clear()
    auth.local_secret.cache_clear()
    with pytest.raises(auth.Unauthorized, match="Signature"):
        auth.authenticate({"Authorization": f"Bearer {forged}"})
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "first-secret-0123456789-abcdefghijklmn")
    settings.cache_clear()
    auth.local_secret.cache_clear()
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.authenticate({"Authorization": f"Bearer {expired}"})
    auth.local_secret.cache_clear()


def test_office_roles_need_an_office_and_see_only_their_own() -> None:
    with pytest.raises(ValueError, match="office"):
        auth.issue_local_token("clerk")
    clerk = auth.Principal("c", "clerk", "031")
    auth.require_dossier_access(clerk, _dossier("031"), ("clerk",))
    with pytest.raises(auth.Forbidden):
        auth.require_dossier_access(clerk, _dossier("079"), ("clerk",))
    with pytest.raises(auth.Forbidden):
        auth.require_role(auth.Principal("p", "portal", None), ("authority", "clerk"))


def _dossier(office: str, forwarded_to: str | None = None) -> Dossier:
    from tests.helpers import dossier_body

    body = dossier_body()
    body["applicant"]["province_code"] = office
    return Dossier.new(CreateDossier.model_validate(body), by="portal:test").model_copy(
        update={"forwarded_to": forwarded_to}
    )


def test_an_authority_names_its_body_and_sees_only_what_is_forwarded_to_it() -> None:
    with pytest.raises(ValueError, match="authority"):
        auth.issue_local_token("authority", "031")  # which body?
    with pytest.raises(ValueError, match="authority"):
        auth.issue_local_token("clerk", "031", authority="province")  # only an authority names one
    with pytest.raises(ValueError, match="authority"):
        auth.issue_local_token("authority", "031", authority="tax_office")  # a body nothing is forwarded to
    auth.local_secret.cache_clear()
    token = auth.issue_local_token("authority", "031", authority="social_policy_bank")
    bank = auth.authenticate({"Authorization": f"Bearer {token}"})
    assert (bank.role, bank.office, bank.authority) == ("authority", "031", "social_policy_bank")
    assert bank.label.startswith("authority/social_policy_bank:031:")
    auth.require_dossier_access(bank, _dossier("031", "social_policy_bank"), ("authority",))
    for other in (_dossier("031", "province"), _dossier("031", None)):
        with pytest.raises(auth.Forbidden):
            auth.require_dossier_access(bank, other, ("authority",))
    # a token of the authority role that names no body is refused outright
    import jwt

    bare = jwt.encode(
        {"sub": "x", "role": "authority", "office": "031", "aud": "motcua", "exp": 2**31},
        auth.local_secret(),
        algorithm="HS256",
    )
    with pytest.raises(auth.Unauthorized, match="body"):
        auth.authenticate({"Authorization": f"Bearer {bare}"})
    auth.local_secret.cache_clear()


def test_an_exception_full_of_personal_data_leaves_none_of_it_in_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.logs import hide

    name, born, si, card = "Nguyễn Thị Bích Ngọc", "1990-02-28", "3120457896", "031190000111"
    # GIVEN a step working on a dossier of that worker, which fails with her data in the exception,
    # its stack, and an extra nested two levels deep
    with hide([name, born, "28/02/1990"]):
        try:
            raise ValueError(f"no match for {name} (born 28/02/1990, {born}), SI {si}, CCCD {card}")
        except ValueError:
            logger().exception(
                "step failed", extra={"dossier_id": "d1", "rows": [{"worker": {"name": name, "si": si}}]}
            )
    out = capsys.readouterr().out
    # THEN the line is there, with the exception, and none of her data in any form
    line = json.loads(out.strip().splitlines()[-1])
    assert line["message"] == "step failed" and "ValueError" in line["exception"] and line["rows"]
    for value in (name, born, "28/02/1990", si, card, name.upper()):
        assert value not in out, value
    # AND once the step is over, what it hid is no longer hidden (the next dossier's values are its own)
    logger().info("done", extra={"who": name})
    assert name in capsys.readouterr().out


def test_a_client_credentials_token_is_the_portal_by_its_scope_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18, finding 8: the portal signs in as a machine; its scope decides its role server-side."""
    from chalicelib.api.auth import Forbidden, Unauthorized, authenticate
    from chalicelib.config import settings

    monkeypatch.setenv("MOTCUA_AUTH_MODE", "cognito")
    settings.cache_clear()
    try:

        def context(claims: dict[str, str]) -> dict[str, Any]:
            return {"authorizer": {"claims": claims}}

        access = {"token_use": "access", "sub": "portal-client", "client_id": "portal-client"}
        portal = authenticate({}, context({**access, "scope": "motcua/portal"}))
        assert (portal.role, portal.office, portal.authority) == ("portal", None, None)
        # a role or office claim beside the scope changes nothing
        forged = authenticate(
            {}, context({**access, "scope": "motcua/portal", "custom:role": "admin", "role": "admin"})
        )
        assert forged.role == "portal"
        # an access token without a scope is no one (401); with none of the API's, or both, it may do nothing (403)
        with pytest.raises(Unauthorized):
            authenticate({}, context({**access, "scope": ""}))
        for scope in ("openid email", "aws.cognito.signin.user.admin", "motcua/portal motcua/staff"):
            with pytest.raises(Forbidden):
                authenticate({}, context({**access, "scope": scope}))
    finally:
        settings.cache_clear()


def test_a_staff_access_token_is_its_trigger_claims_and_the_trigger_copies_only_staff_attributes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 18: every secured route wants an access token in AWS (the portal has no other); the console's
    carry `motcua/staff` and the role, office and body the pool's pre-token trigger copies from the user."""
    from chalicelib.api.auth import Forbidden, Unauthorized, authenticate
    from chalicelib.api.staff_claims import handler
    from chalicelib.config import settings

    def trigger(attributes: dict[str, str]) -> dict[str, Any]:
        event = {
            "version": "2",
            "triggerSource": "TokenGeneration_HostedAuth",
            "request": {"userAttributes": attributes},
        }
        return handler(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]

    clerk = trigger({"sub": "u1", "email": "a@b.vn", "custom:role": "clerk", "custom:office": "031"})
    assert clerk == {"claimsToAddOrOverride": {"role": "clerk", "office": "031"}}
    body = trigger({"custom:role": "authority", "custom:office": "031", "custom:authority": "province"})
    assert body["claimsToAddOrOverride"] == {"role": "authority", "office": "031", "authority": "province"}
    # a user of another role (the old portal user) gets no staff scope at all
    assert trigger({"custom:role": "portal"}) == {"scopesToSuppress": ["motcua/staff"]}
    assert trigger({}) == {"scopesToSuppress": ["motcua/staff"]}

    monkeypatch.setenv("MOTCUA_AUTH_MODE", "cognito")
    settings.cache_clear()
    try:

        def context(claims: dict[str, str]) -> dict[str, Any]:
            return {"authorizer": {"claims": claims}}

        staff = {"token_use": "access", "sub": "u1", "scope": "openid email motcua/staff"}
        principal = authenticate({}, context({**staff, **clerk["claimsToAddOrOverride"]}))
        assert (principal.role, principal.office, principal.sub) == ("clerk", "031", "u1")
        principal = authenticate({}, context({**staff, **body["claimsToAddOrOverride"]}))
        assert (principal.role, principal.authority) == ("authority", "province")
        with pytest.raises(Forbidden):  # the staff scope never makes the portal
            authenticate({}, context({**staff, "role": "portal"}))
        with pytest.raises(Unauthorized):  # nor a clerk without an office
            authenticate({}, context({**staff, "role": "clerk"}))
    finally:
        settings.cache_clear()
