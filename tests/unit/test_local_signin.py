"""The local stage's OAuth issuer for the console (`chalicelib/local/oauth.py`): the authorization-code
flow with PKCE as the Cognito hosted UI runs it in AWS (issue 18, finding 9). Over HTTP and in a real
browser: tests/e2e/test_console.py."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.api.auth import authenticate, local_secret
from chalicelib.config import settings
from chalicelib.local import oauth

HOST = "127.0.0.1:8000"
BACK = f"http://{HOST}/console/"


@pytest.fixture(autouse=True)
def _local_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTCUA_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("MOTCUA_JWT_SECRET", "a-test-key-of-the-local-stage-at-least-32-bytes")
    settings.cache_clear()
    local_secret.cache_clear()
    oauth.reset()
    yield
    local_secret.cache_clear()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization(challenge: str, **changes: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "motcua-console",
        "redirect_uri": BACK,
        "scope": "openid email",
        "state": "state-" + "s" * 20,
        "nonce": "nonce-" + "n" * 20,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **changes,
    }


def code_for(challenge: str, role: str = "clerk", office: str = "031") -> str:
    back = urlsplit(oauth.issue_code({**authorization(challenge), "role": role, "office": office}, HOST))
    query = parse_qs(back.query)
    assert f"{back.scheme}://{back.netloc}{back.path}" == BACK and query["state"] == ["state-" + "s" * 20]
    return query["code"][0]


def exchange(code: str, verifier: str) -> dict[str, object]:
    return oauth.grant(
        {
            "grant_type": "authorization_code",
            "client_id": "motcua-console",
            "code": code,
            "redirect_uri": BACK,
            "code_verifier": verifier,
        }
    )


def test_the_code_goes_to_the_holder_of_the_verifier_for_an_id_token_with_the_nonce() -> None:
    verifier, challenge = pkce()
    answer = exchange(code_for(challenge), verifier)
    import jwt

    token = str(answer["id_token"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["nonce"] == "nonce-" + "n" * 20 and claims["role"] == "clerk" and claims["office"] == "031"
    # the API takes it, and the access token beside it (the staff scope, as the user pool's trigger makes it)
    for held in (token, str(answer["access_token"])):
        principal = authenticate({"Authorization": f"Bearer {held}"})
        assert (principal.role, principal.office) == ("clerk", "031")
    access = jwt.decode(str(answer["access_token"]), options={"verify_signature": False})
    assert access["token_use"] == "access" and access["scope"].split() == ["openid", "email", "motcua/staff"]


def test_a_wrong_verifier_gets_nothing_and_spends_the_code() -> None:
    verifier, challenge = pkce()
    code = code_for(challenge)
    other, _ = pkce()
    with pytest.raises(oauth.OAuthError, match="code_verifier") as refused:
        exchange(code, other)
    assert refused.value.error == "invalid_grant"
    # the right verifier afterwards is too late: whoever guessed wrong has burnt the code
    with pytest.raises(oauth.OAuthError, match="already used"):
        exchange(code, verifier)


def test_a_replayed_code_is_refused() -> None:
    verifier, challenge = pkce()
    code = code_for(challenge)
    exchange(code, verifier)
    with pytest.raises(oauth.OAuthError, match="already used") as refused:
        exchange(code, verifier)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize(
    "changes, finding",
    [
        ({"response_type": "token"}, "unsupported_response_type"),  # the implicit flow
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"nonce": ""}, "invalid_request"),
        ({"redirect_uri": "http://evil.example/console/"}, "invalid_request"),
        ({"redirect_uri": BACK + "?next=x"}, "invalid_request"),
        ({"client_id": "someone-else"}, "unauthorized_client"),
    ],
)
def test_an_authorization_request_without_pkce_state_nonce_or_our_return_address_is_refused(
    changes: dict[str, str], finding: str
) -> None:
    _, challenge = pkce()
    with pytest.raises(oauth.OAuthError) as refused:
        oauth.authorize_form(authorization(challenge, **changes), HOST)
    assert refused.value.error == finding
    with pytest.raises(oauth.OAuthError):
        oauth.issue_code({**authorization(challenge, **changes), "role": "clerk", "office": "031"}, HOST)


def test_the_form_carries_the_request_escaped() -> None:
    _, challenge = pkce()
    page = oauth.authorize_form(authorization(challenge, state='"><script>x</script>' + "s" * 10), HOST)
    assert "<script>" not in page and "&quot;&gt;&lt;script&gt;" in page


def test_in_aws_the_console_runs_the_same_flow_at_the_pools_hosted_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api.console import config, security_headers

    # locally: the local server's issuer, relative to the API's root
    local = config()["oauth"]
    assert local["authorize"] == "local/oauth2/authorize" and local["token"] == "local/oauth2/token"
    assert "motcua/staff" in local["scope"].split()
    # in AWS: the user pool's domain, whose token endpoint the page may call (and nothing else new)
    domain = "https://motcua-dev-123.auth.ap-southeast-1.amazoncognito.com"
    monkeypatch.setenv("MOTCUA_AUTH_MODE", "cognito")
    monkeypatch.setenv("MOTCUA_COGNITO_DOMAIN", domain)
    monkeypatch.setenv("MOTCUA_COGNITO_CLIENT_ID", "console-client")
    settings.cache_clear()
    aws = config()["oauth"]
    assert aws == {
        "authorize": f"{domain}/oauth2/authorize",
        "token": f"{domain}/oauth2/token",
        "client_id": "console-client",
        "scope": "openid email motcua/staff",
    }
    policy = str(security_headers("text/html; charset=utf-8")["Content-Security-Policy"])
    assert f"connect-src 'self' {domain};" in policy and f"form-action 'self' {domain};" in policy


def test_the_local_gateway_throttles_verify_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flood benchmark's stand-in for the stage's throttle on /v1/verify (bench/flood.py): off by
    default (tests and `make run` are not throttled); when set, a burst passes and the next is refused."""
    from chalicelib.local.serve import _verify_throttle

    monkeypatch.delenv("MOTCUA_LOCAL_VERIFY_RATE", raising=False)
    assert _verify_throttle() is None
    monkeypatch.setenv("MOTCUA_LOCAL_VERIFY_RATE", "0.0001")  # refills once in hours: no clock in the test
    monkeypatch.setenv("MOTCUA_LOCAL_VERIFY_BURST", "3")
    bucket = _verify_throttle()
    assert bucket is not None and [bucket.take() for _ in range(4)] == [True, True, True, False]
