"""Operating a real stage from the command line, and files the package ships found beside its code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chalicelib import cli
from chalicelib.config import CODE_ROOT, settings


def test_a_relative_certificate_path_is_found_beside_the_code_wherever_it_was_unpacked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the template's values (relative) and an operator's absolute bundle beside one of them
    monkeypatch.setenv("MOTCUA_SIGNING_CHAIN", "chalicelib/certs/dev-chain.pem")
    monkeypatch.setenv("MOTCUA_TRUST_ANCHORS", os.pathsep.join(["chalicelib/certs/trust-anchors.pem", "/etc/ca.pem"]))
    settings.cache_clear()
    # THEN each relative path is taken from the code's directory (/var/task in Lambda), absolute ones as given
    assert settings().signing_chain == str(CODE_ROOT / "chalicelib" / "certs" / "dev-chain.pem")
    assert settings().trust_anchors.split(os.pathsep) == [
        str(CODE_ROOT / "chalicelib" / "certs" / "trust-anchors.pem"),
        "/etc/ca.pem",
    ]
    assert Path(settings().signing_chain).is_absolute()
    settings.cache_clear()


@pytest.mark.parametrize(
    "argv",
    [
        ["registry", "load", "--stage", "prod", "--units", "u.csv"],
        ["dlq", "replay", "--queue", "check", "--stage", "prod"],
        ["sweep", "--stage", "prod"],
    ],
)
def test_a_write_to_prod_is_refused_without_yes_before_anything_is_asked_of_aws(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN no AWS at all (a call to STS would fail with another message)
    monkeypatch.delenv("MOTCUA_ACCOUNT_ID", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    # WHEN an operator writes to prod without --yes
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    # THEN the command stops with 2 and says what is missing
    assert stopped.value.code == 2
    assert "--yes" in capsys.readouterr().err
    settings.cache_clear()
