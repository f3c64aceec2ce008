"""Static checks that need no package: IAM policies (least privilege), stage config, the OCR Dockerfile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / ".chalice").glob("policy-*.json"))
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
"""X-Ray's write actions have no resource-level permissions: the only ones allowed on Resource "*"."""
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_there_are_policies() -> None:
    assert len(POLICIES) >= 8


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_grants_no_wildcard(path: Path) -> None:
    document = json.loads(path.read_text())
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement, (
            statement
        )
        actions = _listed(statement["Action"])
        resources = _listed(statement["Resource"])
        for action in actions:
            assert "*" not in action, f"{path.name}: wildcard action {action}"
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action), f"{path.name}: {action}"
        if "*" in resources:
            assert resources == ["*"] or resources == "*"
            assert set(actions) <= XRAY_ACTIONS, f"{path.name}: {actions} on Resource *"
        for resource in resources:
            if resource != "*":
                assert resource.startswith(("arn:${AWS::Partition}:", "${")), f"{path.name}: {resource}"
                stage = path.name.split("-")[1]
                assert "motcua-" not in resource or f"motcua-{stage}-" in resource, (
                    f"{path.name}: another stage's {resource}"
                )


def test_every_aws_function_has_its_own_policy() -> None:
    for stage in ("dev", "prod"):
        settings = CONFIG["stages"][stage]
        assert settings["autogen_policy"] is False
        for function, own in settings["lambda_functions"].items():
            assert own["iam_policy_file"] == f"policy-{stage}-{function}.json"
            assert (ROOT / ".chalice" / own["iam_policy_file"]).exists()


def test_only_the_signing_functions_may_sign() -> None:
    for path in POLICIES:
        actions = {a for s in json.loads(path.read_text())["Statement"] for a in _listed(s["Action"])}
        function = path.stem.split("-", 2)[2]
        assert ("kms:Sign" in actions) == (function in ("check", "workflow", "sweep")), path.name


def test_local_stage_is_untouched() -> None:
    local = CONFIG["stages"]["local"]
    assert local["environment_variables"] == {
        "MOTCUA_STAGE": "local",
        "MOTCUA_AUTH_MODE": "local",
        "AWS_XRAY_SDK_ENABLED": "false",
    }
    assert "lambda_functions" not in local


# -- infra/Dockerfile.ocr: the usual hadolint rules, checked by hand (hadolint is not installable here) --
DOCKERFILE = ROOT / "infra" / "Dockerfile.ocr"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip()
    ]


def test_dockerfile_base_image_is_pinned() -> None:
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", DOCKERFILE.read_text(), re.M))
    froms = [a for i, a in _instructions() if i == "FROM"]
    assert len(froms) == 2
    for argument in froms:
        image = argument.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image)
        assert image.startswith("public.ecr.aws/lambda/python:3.11"), image
        tag = image.split(":", 1)[1]
        assert "latest" not in image and (
            re.fullmatch(r"3\.11\.\d{4}\.\d{2}\.\d{2}\.\d{2}(-x86_64)?(@sha256:[0-9a-f]{64})?", tag)
            or "@sha256:" in image
        ), image


def test_dockerfile_follows_the_usual_rules() -> None:
    instructions = _instructions()
    text = DOCKERFILE.read_text()
    for instruction, argument in instructions:
        if instruction == "ADD":
            assert not re.search(r"https?://", argument), "ADD of a URL: use curl and check its sha256"
        if instruction == "RUN":
            if re.search(r"\b(yum|dnf) install", argument):
                assert " -y " in argument and "clean all" in argument and "rm -rf /var/cache/yum" in argument, argument
            if "pip install" in argument:
                assert "--no-cache-dir" in argument, argument
            if "curl " in argument:
                assert "sha256sum -c" in argument and "-f" in argument, "downloads must be checked"
            assert "apt-get" not in argument and "sudo " not in argument
        if instruction == "WORKDIR":
            assert argument.startswith("/"), "WORKDIR must be absolute"
    assert any(i == "CMD" and "app.extract" in a for i, a in instructions)
    users = [a for i, a in instructions if i == "USER"]
    assert (users and users[-1] not in ("root", "0")) or re.search(r"#.*\bUSER\b.*Lambda|Lambda.*\bUSER\b", text), (
        "non-root USER, or say why not"
    )
    assert any(i == "SHELL" and "pipefail" in a for i, a in instructions), "pipes must fail the build"
    assert "vie.traineddata" in text and "tesseract --list-langs" in text


def test_dockerfile_context_is_small() -> None:
    ignore = (ROOT / "infra" / "Dockerfile.ocr.dockerignore").read_text().splitlines()
    assert ignore[1 if ignore[0].startswith("#") else 0] == "*"
    assert (ROOT / "infra" / "ocr-image.md").exists()


def test_each_hmac_secret_is_readable_only_by_the_function_that_signs_with_it() -> None:
    """Issue 18, finding 6: the portal's key by notify, the authorities' by workflow; extract (which
    parses untrusted files) and the public functions by none."""
    for path in POLICIES:
        stage, function = path.stem.split("-", 2)[1:]
        readable = {
            resource
            for s in json.loads(path.read_text())["Statement"]
            if "secretsmanager:GetSecretValue" in _listed(s["Action"])
            for resource in _listed(s["Resource"])
        }
        prefix = f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:motcua/{stage}/"
        expected = {"notify": {prefix + "portal-callback-*"}, "workflow": {prefix + "authority/*"}}.get(function, set())
        assert readable == expected, path.name
    for stage in ("dev", "prod"):
        variables = CONFIG["stages"][stage]["environment_variables"]
        assert variables["MOTCUA_SECRETS"] == "secretsmanager"
        assert not [k for k in variables if k.endswith("_SECRET")], variables


def test_notify_may_only_mark_audit_entries_sent() -> None:
    """Issue 18, finding 5: notify updated the audit table with no limit on what it changed; now it may
    touch the `unsent` flag alone, never an entry's hash, detail or chain."""
    for stage in ("dev", "prod"):
        document = json.loads((ROOT / ".chalice" / f"policy-{stage}-notify.json").read_text())
        updates = [s for s in document["Statement"] if "dynamodb:UpdateItem" in _listed(s["Action"])]
        assert len(updates) == 1 and _listed(updates[0]["Action"]) == ["dynamodb:UpdateItem"]
        allowed = updates[0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
        assert set(allowed) == {"dossier_id", "seq", "unsent"}


def test_only_the_sweep_writes_anchors_and_it_reads_no_more_of_the_dossiers_than_their_heads() -> None:
    for path in POLICIES:
        _stage, function = path.stem.split("-", 2)[1:]
        statements = json.loads(path.read_text())["Statement"]
        writes = [
            r
            for s in statements
            if "s3:PutObject" in _listed(s["Action"])
            for r in _listed(s["Resource"])
            if "-anchors-" in r
        ]
        assert bool(writes) == (function == "sweep"), path.name
        for s in statements:
            if "dynamodb:Scan" in _listed(s["Action"]):
                assert function == "sweep", path.name
                assert set(s["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]) <= {
                    "id",
                    "audit_seq",
                    "audit_head",
                    "updated_at",
                }
