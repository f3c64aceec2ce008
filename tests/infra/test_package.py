"""The packaged stage (`scripts/package.py`, stage dev): valid CloudFormation, SQS triggers that report
partial batch failures, visibility timeouts, and a zip Lambda's python3.11 runtime can load."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, functions, sqs_events

LAMBDA_GLIBC = (2, 26)
"""Lambda's python3.11 runtime is Amazon Linux 2: glibc 2.26."""
MANYLINUX_ALIASES = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
"""Lambda's limit for a function and its layers, unzipped."""
MAX_ZIPPED_BYTES = 90 * 1024 * 1024
"""Our budget (61 MB in November 2026; 79 MB in December, once numpy, which the extraction's
light-flattening needs and which had been missing from the runtime set, went in). The zip goes to
Lambda through S3 (`aws cloudformation package`), where only the 250 MB unzipped limit applies;
50 MB is the limit of a direct upload only."""


def test_cfn_lint_passes(package_dir: Path) -> None:
    sam = package_dir / "sam.json"
    ok = package_dir / ".cfn-lint-ok"
    digest = hashlib.sha256(sam.read_bytes()).hexdigest()
    if ok.exists() and ok.read_text() == digest:
        return  # this very template passed already
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--format", "parseable", str(sam)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    errors = [line for line in result.stdout.splitlines() if re.search(r":E\d{4}:", line)]
    assert not errors and result.returncode in (0, 4, 8, 12), result.stdout + result.stderr
    ok.write_text(digest)


def test_every_sqs_trigger_reports_batch_item_failures(sam: dict[str, Any]) -> None:
    events = sqs_events(sam)
    assert {logical for logical, _, _ in events} >= {"Extract", "Check"}
    for logical, name, props in events:
        assert props.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], f"{logical}.{name}"
        # One intrinsic function per value (cfn-lint E3017): the queue of this stack, by reference.
        assert list(props["Queue"]) == ["Fn::GetAtt"] and props["Queue"]["Fn::GetAtt"][1] == "Arn", f"{logical}.{name}"


def test_visibility_timeout_is_six_times_the_consumer_timeout(sam: dict[str, Any]) -> None:
    for logical, _name, props in sqs_events(sam):
        queue = sam["Resources"][props["Queue"]["Fn::GetAtt"][0]]
        timeout = functions(sam)[logical]["Properties"].get(
            "Timeout", sam.get("Globals", {}).get("Function", {}).get("Timeout", 3)
        )
        assert queue["Properties"]["VisibilityTimeout"] >= 6 * timeout, (
            f"{props['Queue']['Fn::GetAtt'][0]}: VisibilityTimeout {queue['Properties']['VisibilityTimeout']} < 6 x {logical}'s {timeout} s"
        )


def test_configured_consumers_that_are_not_written_yet_fit_their_queues(merged: dict[str, Any]) -> None:
    """workflow and notify are configured before app.py has them: their queues must fit already."""
    import json

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    queues = {
        r["Properties"]["QueueName"]["Fn::Sub"].split("${Stage}-", 1)[1]: r["Properties"]
        for r in merged["Resources"].values()
        if r.get("Type") == "AWS::SQS::Queue"
    }
    for stage in ("dev", "prod"):
        for function, settings in config["stages"][stage]["lambda_functions"].items():
            if function in queues:
                assert queues[function].get("VisibilityTimeout", 30) >= 6 * settings["lambda_timeout"], (
                    stage,
                    function,
                )


def test_the_ocr_worker_runs_from_its_image_with_reserved_concurrency(sam: dict[str, Any]) -> None:
    extract = functions(sam)["Extract"]["Properties"]
    assert extract["PackageType"] == "Image" and extract["ImageUri"] == {"Ref": "OcrImageUri"}
    assert extract["ImageConfig"]["Command"] == ["app.extract"]
    assert not {"CodeUri", "Handler", "Runtime"} & set(extract)
    assert extract["Timeout"] == 300 and extract["MemorySize"] >= 2048
    assert extract["ReservedConcurrentExecutions"] >= 2
    (event,) = extract["Events"].values()
    assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= extract["ReservedConcurrentExecutions"]


def test_functions_get_the_stage_and_account(sam: dict[str, Any]) -> None:
    for logical, resource in functions(sam).items():
        variables = resource["Properties"]["Environment"]["Variables"]
        assert variables["MOTCUA_STAGE"] == "dev", logical
        assert variables["MOTCUA_ACCOUNT_ID"] == {"Fn::Sub": "${AWS::AccountId}"}, logical
        assert resource["Properties"]["FunctionName"].startswith("motcua-dev-"), logical
        assert resource["Properties"]["Tracing"] == "Active", logical


def test_aws_only_resources(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    signing = resources["SigningKey"]["Properties"]
    assert (signing["KeySpec"], signing["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    assert resources["SigningKeyAlias"]["Properties"]["AliasName"] == {"Fn::Sub": "alias/motcua-${Stage}-signing"}
    for bucket in ("OriginalsBucket", "SlipsBucket"):
        props = resources[bucket]["Properties"]
        assert props["ObjectLockEnabled"] is True and props["VersioningConfiguration"]["Status"] == "Enabled"
        sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]}}
        assert props["LifecycleConfiguration"]["Rules"]
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert resource["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "DataKey"}, logical
    pool = resources["UserPool"]["Properties"]
    assert {a["Name"] for a in pool["Schema"]} >= {"role", "office"}
    assert not any(a.startswith("custom:") for a in resources["UserPoolClient"]["Properties"]["WriteAttributes"])


def test_every_queue_has_its_alarms(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    watched = {
        (r["Properties"]["MetricName"], r["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("Namespace") == "AWS/SQS"
    }
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in resource["Properties"]:
            dlq = resource["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert ("ApproximateAgeOfOldestMessage", logical) in watched, logical
            assert ("ApproximateNumberOfMessagesVisible", dlq) in watched, dlq
    assert "Api5xxAlarm" in resources


# -- the zip ---------------------------------------------------------------------------------------
def _glibc_needed(data: bytes) -> tuple[int, int]:
    versions = [tuple(map(int, m)) for m in re.findall(rb"GLIBC_(\d+)\.(\d+)", data)]
    return max(versions, default=(0, 0))


def _wheel_ok(tags: list[str]) -> bool:
    """A wheel tag Lambda's glibc 2.26 can load: manylinux1/2010/2014 or manylinux_2_X with X <= 26."""
    for tag in tags:
        platform = tag.rsplit("-", 1)[-1]
        for part in platform.split("."):
            if part == "any":
                return True
            name = part.rsplit("_x86_64", 1)[0]
            if name in MANYLINUX_ALIASES and MANYLINUX_ALIASES[name] <= LAMBDA_GLIBC:
                return True
            found = re.fullmatch(r"manylinux_(\d+)_(\d+)", name)
            if found and (int(found[1]), int(found[2])) <= LAMBDA_GLIBC:
                return True
    return False


def test_no_binary_built_on_this_host(deployment_zip: zipfile.ZipFile) -> None:
    names = deployment_zip.namelist()
    wheels = {
        n.split("/", 1)[0]: [
            line.split(":", 1)[1].strip()
            for line in deployment_zip.read(n).decode().splitlines()
            if line.startswith("Tag:")
        ]
        for n in names
        if re.fullmatch(r"[^/]+\.dist-info/WHEEL", n)
    }
    owner: dict[str, str] = {}
    for n in names:
        if re.fullmatch(r"[^/]+\.dist-info/RECORD", n):
            for line in deployment_zip.read(n).decode().splitlines():
                owner[line.split(",", 1)[0]] = n.split("/", 1)[0]
    problems = []
    for name in names:
        if not re.search(r"\.so(\.\d+)*$", name):
            continue
        dist = owner.get(name)
        if dist is None:
            problems.append(f"{name}: in no wheel's RECORD")
        elif not _wheel_ok(wheels.get(dist, [])):
            problems.append(f"{name}: from {dist} tagged {wheels.get(dist)} (built on this host?)")
        needed = _glibc_needed(deployment_zip.read(name))
        if needed > LAMBDA_GLIBC:
            problems.append(f"{name}: needs GLIBC_{needed[0]}.{needed[1]} > 2.26")
    assert not problems, "\n".join(problems)


def test_zip_fits_lambda(deployment_zip: zipfile.ZipFile, package_dir: Path) -> None:
    zipped = (package_dir / "deployment.zip").stat().st_size
    unzipped = sum(i.file_size for i in deployment_zip.infolist())
    assert zipped < MAX_ZIPPED_BYTES, f"{zipped / 1e6:.1f} MB zipped"
    assert unzipped < MAX_UNZIPPED_BYTES, f"{unzipped / 1e6:.1f} MB unzipped"
    names = set(deployment_zip.namelist())
    assert {
        "app.py",
        "chalicelib/config.py",
        "templates/fonts/DejaVuSans.ttf",
        "templates/console/index.html",
        "templates/console/console.js",
    } <= names


def test_answers_api_gateway_gives_itself_have_the_apis_error_shape(sam: dict[str, Any]) -> None:
    """No route, no or a bad token, throttling: API Gateway answers before any function runs."""
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }
    assert {"UNAUTHORIZED", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for kind, props in responses.items():
        assert props["RestApiId"] == {"Ref": "RestAPI"}
        # what API Gateway puts in: $context.error.messageString is already a quoted JSON string
        body = json.loads(
            props["ResponseTemplates"]["application/json"].replace(
                "$context.error.messageString", '"Missing Authentication Token"'
            )
        )
        assert set(body["error"]) == {"code", "message", "message_en"}, kind
        assert body["error"]["message"] != body["error"]["message_en"], kind
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"


def test_the_console_signs_in_through_the_stacks_own_cognito_login(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    client = resources["UserPoolClient"]["Properties"]
    # issue 18, finding 9: the authorization-code flow (the page adds PKCE, state and nonce), never implicit;
    # a public client (no secret in a page), back to the console only
    assert client["AllowedOAuthFlows"] == ["code"] and client["CallbackURLs"] == [
        {"Fn::Sub": "${PublicBaseUrl}/console/"}
    ]
    assert client["GenerateSecret"] is False and "openid" in client["AllowedOAuthScopes"]
    # the local stage's own issuer of that flow is served by the local server alone
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert [p for p in paths if "local" in p or "oauth" in p] == []
    assert resources["UserPoolDomain"]["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    api = next(
        r
        for r in resources.values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"].get("Handler") == "app.app"
    )
    variables = api["Properties"]["Environment"]["Variables"]
    assert variables["MOTCUA_COGNITO_CLIENT_ID"] == {"Fn::Sub": "${UserPoolClient}"}
    assert "UserPoolDomain" in json.dumps(variables["MOTCUA_COGNITO_DOMAIN"])


@pytest.mark.parametrize(
    "tags, ok",
    [
        (["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"], True),
        (["cp311-abi3-manylinux_2_5_x86_64.manylinux1_x86_64"], True),
        (["cp311-cp311-manylinux_2_27_x86_64", "cp311-cp311-manylinux_2_28_x86_64"], False),
        (["cp311-cp311-linux_x86_64"], False),
        (["py3-none-any"], True),
    ],
)
def test_wheel_tag_rule(tags: list[str], ok: bool) -> None:
    assert _wheel_ok(tags) is ok


def test_the_package_holds_no_local_stage_and_the_app_imports_from_it_alone(
    deployment_zip: zipfile.ZipFile, sam: dict[str, Any], tmp_path: Path
) -> None:
    names = deployment_zip.namelist()
    assert [
        n for n in names if n.startswith(("chalicelib/local/", "chalicelib/cli.py", "chalicelib/documents/examples.py"))
    ] == []
    deployment_zip.extractall(tmp_path)
    api = next(f for f in functions(sam).values() if f["Properties"].get("Handler") == "app.app")
    environment = {
        k: str(v)
        for k, v in api["Properties"].get("Environment", {}).get("Variables", {}).items()
        if isinstance(v, (str, int))
    }
    # the package's own copies only (-I: no site-packages, no PYTHONPATH), as Lambda's runtime loads them
    probe = "import sys; sys.path[:0] = [sys.argv[1]]; import app; print(len(app.app.routes), 'chalicelib.local' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-southeast-1", **environment},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    routes, local_loaded = result.stdout.split()
    assert int(routes) > 10 and local_loaded == "False"


def test_the_package_brings_the_byte_code_of_what_a_cold_start_imports(
    deployment_zip: zipfile.ZipFile, tmp_path: Path
) -> None:
    """Lambda cannot write to /var/task: a module without its .pyc is compiled again at every cold start."""
    deployment_zip.extractall(tmp_path)
    probe = (
        "import importlib.util, os, sys; sys.path[:0] = [sys.argv[1]]; import app, chalicelib.adapters.aws, boto3\n"
        "files = [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]\n"
        "mine = [f for f in files if f.startswith(sys.argv[1]) and f.endswith('.py')]\n"
        "print(len(mine), *[f for f in mine if not os.path.exists(importlib.util.cache_from_source(f))])"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-southeast-1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded, *uncompiled = result.stdout.split()
    assert int(loaded) > 500 and uncompiled == []
    pyc = deployment_zip.read("chalicelib/__pycache__/config.cpython-311.pyc")
    assert int.from_bytes(pyc[4:8], "little") == 0b01, "an unchecked-hash pyc: the zip's times are not Lambda's"
    assert b"/var/task/chalicelib/config.py" in pyc, "tracebacks name the file where Lambda has it"


# -- issue 18, finding 3: the public verify route cannot starve the pipeline ----------------------
def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_every_queue_consumer_has_reserved_concurrency_and_sqs_stops_polling_there(sam: dict[str, Any]) -> None:
    """Without it a flood of API calls takes the account's concurrency, the consumers are throttled, and
    throttled receives count towards maxReceiveCount: good messages would end in the DLQs."""
    consumers = {logical for logical, _, _ in sqs_events(sam)}
    assert consumers >= {"Extract", "Check", "Workflow", "Notify"}
    for logical, name, props in sqs_events(sam):
        reserved = functions(sam)[logical]["Properties"].get("ReservedConcurrentExecutions")
        assert isinstance(reserved, int) and reserved >= 2, f"{logical}: no reserved concurrency"
        assert props["ScalingConfig"]["MaximumConcurrency"] <= reserved, f"{logical}.{name}"


def test_public_verify_runs_in_a_function_of_its_own_that_reads_only_the_slip_register(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    verify = functions(sam)["Verify"]["Properties"]
    assert verify["FunctionName"] == "motcua-dev-verify"
    assert isinstance(verify.get("ReservedConcurrentExecutions"), int) and verify["ReservedConcurrentExecutions"] >= 1
    variables = verify["Environment"]["Variables"]
    assert not [k for k in variables if ("SECRET" in k and k != "MOTCUA_SECRETS") or "CALLBACK" in k], verify
    # but where keys come from stays, or its settings refuse to start in Lambda (found by the rehearsal)
    assert variables.get("MOTCUA_SECRETS") == functions(sam)["APIHandler"]["Properties"]["Environment"][
        "Variables"
    ].get("MOTCUA_SECRETS")
    # the route goes to it, and every other route to the API's function
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path, methods in paths.items():
        for method, spec in methods.items():
            uri = json.dumps(spec.get("x-amazon-apigateway-integration", {}).get("uri", ""))
            expected = "${Verify.Arn}" if (path, method) == ("/v1/verify", "post") else "${APIHandler.Arn}"
            assert expected in uri, f"{method} {path}: {uri}"
    permission = resources["VerifyInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "Verify"} and "/POST/v1/verify" in json.dumps(permission["SourceArn"])
    # its role: read one item of the slip register, decrypt through DynamoDB, write its logs; nothing else
    assert verify["Role"] == {"Fn::GetAtt": ["VerifyRole", "Arn"]}
    actions = {
        (action, json.dumps(resource))
        for s in _statements(resources["VerifyRole"])
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    data = {(a, r) for a, r in actions if not a.startswith(("logs:", "xray:"))}
    assert {a for a, _ in data} == {"dynamodb:GetItem", "kms:Decrypt"}, data
    assert [r for a, r in data if a == "dynamodb:GetItem"] == [
        json.dumps(
            {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/motcua-dev-slips"}
        )
    ]
    assert all("motcua-dev-verify" in r for a, r in actions if a.startswith("logs:"))


def test_the_stage_throttles_every_route_and_public_verify_harder(sam: dict[str, Any]) -> None:
    settings = {
        (m["ResourcePath"], m["HttpMethod"]): m for m in sam["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    }
    everything, verify = settings[("/*", "*")], settings[("/~1v1~1verify", "POST")]
    parameters = sam["Parameters"]
    for setting in (everything, verify):
        for limit in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
            assert list(setting[limit]) == ["Ref"] and setting[limit]["Ref"] in parameters
    rate = parameters[verify["ThrottlingRateLimit"]["Ref"]]["Default"]
    assert 0 < rate < parameters[everything["ThrottlingRateLimit"]["Ref"]]["Default"]


def test_the_waf_rate_rule_exists_only_when_the_operator_sets_a_limit(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    acl, association = resources["WafWebAcl"], resources["WafWebAclAssociation"]
    assert acl["Condition"] == association["Condition"] == "HasWafRateRule"
    assert sam["Conditions"]["HasWafRateRule"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WafRateLimit"}, 0]}]}
    assert sam["Parameters"]["WafRateLimit"]["Default"] == 0
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Statement"]["RateBasedStatement"] == {"Limit": {"Ref": "WafRateLimit"}, "AggregateKeyType": "IP"}
    assert "Block" in rule["Action"] and acl["Properties"]["Scope"] == "REGIONAL"
    assert "${RestAPI}" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_prod_cannot_be_deployed_without_a_tsa(sam: dict[str, Any]) -> None:
    (rule,) = [r for r in sam["Rules"].values() if "TsaUrl" in json.dumps(r)]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "TsaUrl"}, ""]}]}


def test_one_generated_secret_per_partner_and_none_in_any_environment(sam: dict[str, Any]) -> None:
    secrets = {
        r["Properties"]["Name"]["Fn::Sub"]: r
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::SecretsManager::Secret"
    }
    from chalicelib.domain.actions import AUTHORITIES

    # one per body a dossier is forwarded to, as the procedures' files say (not the commune: a household
    # business files there itself, BHXH never forwards to it)
    assert set(secrets) == {"motcua/${Stage}/portal-callback"} | {
        f"motcua/${{Stage}}/authority/{body}" for body in AUTHORITIES
    }
    for secret in secrets.values():
        assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32  # never empty
    assert not [p for p in sam["Parameters"] if "Secret" in p]
    for logical, resource in functions(sam).items():
        assert not [k for k in resource["Properties"]["Environment"]["Variables"] if k.endswith("_SECRET")], logical


def test_the_anchors_bucket_is_locked_in_compliance_mode(sam: dict[str, Any]) -> None:
    props = sam["Resources"]["AnchorsBucket"]["Properties"]
    assert props["ObjectLockEnabled"] is True and props["VersioningConfiguration"]["Status"] == "Enabled"
    assert props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert props["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True


def test_the_portal_signs_in_with_client_credentials_and_its_routes_want_its_scope(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    server = resources["UserPoolResourceServer"]["Properties"]
    assert server["Identifier"] == "motcua" and [s["ScopeName"] for s in server["Scopes"]] == ["portal", "staff"]
    client = resources["PortalClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["client_credentials"] and client["GenerateSecret"] is True
    assert client["AllowedOAuthScopes"] == ["motcua/portal"]
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    create = paths["/v1/dossiers"]["post"]["security"]
    assert create == [{"motcua-users": ["motcua/portal"]}], create
    # the routes it shares with the staff take its access token too (issue 18): every secured route
    # wants an access token, the staff's with the console's scope
    read = paths["/v1/dossiers/{dossier_id}"]["get"]["security"]
    assert read == [{"motcua-users": ["motcua/portal", "motcua/staff"]}], read
    slips = paths["/v1/dossiers/{dossier_id}/documents/{kind}"]["get"]["security"]
    assert slips == [{"motcua-users": ["motcua/portal", "motcua/staff"]}], slips
    decide = paths["/v1/dossiers/{dossier_id}/decision"]["post"]["security"]
    assert decide == [{"motcua-users": ["motcua/staff"]}], decide
    secured = [op.get("security") for path in paths.values() for op in path.values() if isinstance(op, dict)]
    assert [s for s in secured if s is not None and not all(scopes for d in s for scopes in d.values())] == []


def test_the_staffs_access_tokens_carry_their_attributes_through_the_pools_trigger(sam: dict[str, Any]) -> None:
    resources = sam["Resources"]
    console = resources["UserPoolClient"]["Properties"]
    assert "motcua/staff" in console["AllowedOAuthScopes"] and "motcua/portal" not in console["AllowedOAuthScopes"]
    assert "custom:authority" in console["ReadAttributes"] and console["WriteAttributes"] == ["email"]
    pool = resources["UserPool"]["Properties"]
    assert {a["Name"] for a in pool["Schema"]} >= {"role", "office", "authority"}
    trigger = pool["LambdaConfig"]["PreTokenGenerationConfig"]
    assert trigger == {"LambdaArn": {"Fn::GetAtt": ["StaffClaims", "Arn"]}, "LambdaVersion": "V2_0"}
    assert pool["UserPoolTier"] in ("ESSENTIALS", "PLUS")  # access-token customisation needs it
    function = resources["StaffClaims"]["Properties"]
    assert function["Handler"] == "chalicelib.api.staff_claims.handler" and function["Timeout"] <= 5
    assert not [k for k in function["Environment"]["Variables"] if "SECRET" in k and k != "MOTCUA_SECRETS"]
    statements = resources["StaffClaimsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {a for s in statements for a in s["Action"]} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }
    permission = resources["StaffClaimsInvokePermission"]["Properties"]
    assert permission["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
