#!/usr/bin/env python3
"""Rehearse a deployment: the packaged template, as it is, in an AWS emulator that runs the functions.

    .venv/bin/python scripts/rehearse.py [--short] [--template SAM.json] [--keep]

`make package` makes `build/package/sam.json` and `deployment.zip`; cfn-lint reads them, but only a
running deployment shows a wrong handler name, a missing environment variable, an SQS trigger
without `ReportBatchItemFailures` or a policy that misses an action. This script:

1. packages the `dev` stage (`scripts/package.py`, quick when nothing changed);
2. starts MiniStack (PyPI, `requirements-rehearse.txt`, a venv of its own in `build/rehearse/venv`)
   on 127.0.0.1 at a free port, with `AUTH=true` (IAM policies are evaluated: each function calls
   AWS with its own role's credentials), its files in `build/rehearse/` and an environment of its
   own (nothing of the developer's shell leaks into the functions);
3. does what `aws cloudformation package` + `deploy` do: uploads the zip and the template to an
   artifacts bucket and creates the stack `motcua-dev` from the template's URL;
4. does step 3 of docs/deploy.md: a certificate for the stack's KMS signing key (from a rehearsal CA),
   the employers' CA as trust anchor, into `chalicelib/certs/` of the zip, and the functions updated;
5. loads a small demo registry with the CLI (`motcua registry load --stage dev`);
6. calls every function once with an empty event of its trigger (a wrong handler or a bad
   setting fails here, named), and reads back each SQS trigger's deployed configuration;
7. drives one dossier as the portal does, through API Gateway with a Cognito token: create, attach
   the employer's signed request and the list of workers, submit, then waits while SQS carries it
   through extract -> check -> workflow -> notify, and reads back the receipt and the confirmation
   through the API and has `POST /v1/verify` check both.

What the emulator cannot do is bridged in the open (`BRIDGES`, printed, and docs/deploy.md): the
OCR function is a container image in AWS and runs here as a zip on this host's Tesseract; the
metric-math alarm is left out; the portal's token comes from a rehearsal app client. The last line
says what was proved. Exit 0 when the dossier reached `forwarded` with both slips verified.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "rehearse"
STAGE = "dev"
STACK = f"motcua-{STAGE}"
REGION = "ap-southeast-1"
ACCOUNT = "000000000000"
"""MiniStack's account; the template derives every name from `AWS::AccountId`, as in AWS."""
ARTIFACTS = "motcua-artifacts-rehearsal"
FINAL = "forwarded"
UNHAPPY = {"needs_correction", "rejected"}
QUEUE_STEPS = ("extract", "check", "workflow", "notify")

BRIDGES = {
    "ocr-image": "extract is a container image (infra/Dockerfile.ocr) in AWS; here it runs as a zip "
    "(Handler app.extract, python3.11) on this host's Tesseract: MiniStack needs Docker for images",
    "metric-math": "Api5xxAlarm (CloudWatch metric math) is left out: MiniStack refuses `Metrics` alarms",
    "cognito-client": "the portal signs in as it does in AWS, for its own routes and those it shares with the staff "
    "alike (client credentials of the stack's PortalClient, scope motcua/portal, at the emulator's /oauth2/token); "
    "API Gateway's Cognito authorizer itself is the stack's and is enforced (401 without the token); the staff's "
    "sign-in (hosted UI, the pool's pre-token trigger) is not driven: the trigger is invoked with a sign-in's event",
    "binary-types": "the API's binary media types are also given as the RestApi's BinaryMediaTypes: MiniStack's "
    "import ignores `x-amazon-apigateway-binary-media-types` in the body (AWS honours it), and a PDF would arrive "
    "decoded as text",
    "presigned-get": "MiniStack refuses a presigned GET that carries response-content-disposition "
    "(SignatureDoesNotMatch, with an IAM user's key or a session's alike; the same link without it answers "
    "200), and the slips' links carry it: the object each link names is read with the S3 API, then checked "
    "through POST /v1/verify",
    "kms-alias": "the roles' KMS statements on the signing key also name its alias: MiniStack authorizes a call "
    "made with `alias/...` against the alias's ARN, AWS against the key the alias points at",
    "certificates": "the slips' certificate comes from a rehearsal CA and the employers' CA is the demo one "
    "(in AWS: the government CA, docs/deploy.md step 3)",
    "code-update": "the certificates reach the functions by UpdateFunctionCode (in AWS: package and deploy again)",
}


T0 = time.monotonic()


def say(message: str) -> None:
    """A line of progress, with the seconds since the rehearsal started."""
    print(f"rehearse [{time.monotonic() - T0:5.0f} s]: {message}", flush=True)


class RehearsalError(RuntimeError):
    """The deployment did not do what the template promises; the message says where it stopped."""


# -- the emulator -----------------------------------------------------------------------------------
def emulator_venv() -> Path:
    """`build/rehearse/venv` with MiniStack from its lock (hashes), made again when the lock changes."""
    venv = BUILD / "venv"
    lock = ROOT / "requirements-rehearse.txt"
    stamp = venv / ".installed"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "ministack").exists():
        return venv
    say("preparing the emulator's venv (build/rehearse/venv, once)")
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", str(lock)], check=True)
    stamp.write_text(wanted)
    return venv


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MiniStack:
    """One MiniStack process (and the function workers it spawns, in its process group)."""

    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path
    scratch: Path
    """Where the functions' code is unpacked (about 170 MB each): in memory when /dev/shm is there, since
    unpacking and deleting six copies on a busy disk took minutes."""

    @classmethod
    def start(cls, timeout: float = 90) -> MiniStack:
        venv = emulator_venv()
        port = free_port()
        run = BUILD / "run"
        if run.exists():
            shutil.rmtree(run)
        run.mkdir(parents=True)
        import tempfile

        shm = Path("/dev/shm")
        scratch = Path(tempfile.mkdtemp(prefix="motcua-rehearse-", dir=shm if os.access(shm, os.W_OK) else run))
        env = {
            # its own environment: the functions inherit it, so nothing of the developer's shell
            # (AWS_PROFILE, MOTCUA_*) may stand in for a variable the template forgot
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(run),
            "LANG": "C.UTF-8",
            "TMPDIR": str(scratch),
            "GATEWAY_PORT": str(port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_HOST": "127.0.0.1",
            "MINISTACK_REGION": REGION,
            "AUTH": "true",
            "IOT_MTLS_ENABLED": "0",
            "SFTP_ENABLED": "0",
            "PERSIST_STATE": "0",
            "STATE_DIR": str(run / "state"),
            "LOG_LEVEL": "INFO",
        }
        log = run / "ministack.log"
        process = subprocess.Popen(
            [str(venv / "bin" / "ministack")],
            env=env,
            cwd=run,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RehearsalError(f"MiniStack exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=2) as reply:
                    health = json.load(reply)
                if health.get("auth") != "enabled":
                    raise RehearsalError(
                        f"MiniStack {health.get('version')} runs without AUTH: IAM would not be checked"
                    )
                return cls(endpoint, process, log, scratch)
            except OSError:
                time.sleep(0.2)
        process.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        raise RehearsalError(f"MiniStack did not answer on {endpoint} within {timeout:.0f} s; see {log}")

    def stop(self) -> None:
        """SIGTERM to its process group (the emulator and the function workers it started), then SIGKILL."""
        if self.process.poll() is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.scratch, ignore_errors=True)  # the log and the state stay in build/rehearse/run


class Aws:
    """boto3 clients of the rehearsal's deployer (the emulator's root credentials)."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.endpoint = endpoint
        self._session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
        )

    def __call__(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self.endpoint)


# -- the template -----------------------------------------------------------------------------------
def rehearsal_template(sam: dict[str, Any], code: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The packaged template with `CodeUri` pointing at the uploaded zip (what `aws cloudformation
    package` does) and the emulator's gaps bridged; returns it and the bridges applied."""
    template = copy.deepcopy(sam)
    applied = []
    for logical, resource in list(template["Resources"].items()):
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image":
                command = props.pop("ImageConfig")["Command"]
                props.pop("PackageType")
                props.pop("ImageUri")
                props["Handler"] = command[0]
                props["Runtime"] = "python3.11"
                applied.append("ocr-image")
            props["CodeUri"] = {"Bucket": code["bucket"], "Key": code["key"]}
        if resource["Type"] == "AWS::Serverless::Api":
            binary = props.get("DefinitionBody", {}).get("x-amazon-apigateway-binary-media-types")
            if binary and "BinaryMediaTypes" not in props:
                props["BinaryMediaTypes"] = sorted(set(binary))
                applied.append("binary-types")
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    resources = statement.get("Resource")
                    if isinstance(resources, list) and {"Fn::Sub": "${SigningKey.Arn}"} in resources:
                        alias = f"arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:alias/motcua-{STAGE}-signing"
                        resources.append({"Fn::Sub": alias})
                        applied.append("kms-alias")
        if resource["Type"] == "AWS::CloudWatch::Alarm" and "Metrics" in props:
            del template["Resources"][logical]
            applied.append("metric-math")
    return template, sorted(set(applied))


def parameters() -> list[dict[str, str]]:
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/motcua-ocr@sha256:{'0' * 64}"
    values = {"Stage": STAGE, "PublicBaseUrl": "https://motcua.rehearsal.invalid", "OcrImageUri": image}
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def deploy(aws: Aws, template: dict[str, Any], timeout: float = 180) -> dict[str, str]:
    """Create the stack from the template's S3 URL (a packaged template is over CloudFormation's
    51 200-byte limit for an inline body, in AWS as here); returns its outputs."""
    s3, cfn = aws("s3"), aws("cloudformation")
    s3.put_object(Bucket=ARTIFACTS, Key="sam.json", Body=json.dumps(template).encode())
    cfn.create_stack(
        StackName=STACK,
        TemplateURL=f"{aws.endpoint}/{ARTIFACTS}/sam.json",
        Parameters=parameters(),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise RehearsalError(f"the stack is still {stack['StackStatus']} after {timeout:.0f} s")
        time.sleep(0.5)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in cfn.describe_stack_events(StackName=STACK)["StackEvents"]
            if e["ResourceStatus"].endswith("FAILED")
        ]
        raise RehearsalError(f"the stack ended {stack['StackStatus']}: " + "; ".join(failed))
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def functions_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Function name -> its properties, for every function of the template."""
    return {
        r["Properties"]["FunctionName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }


# -- step 3 of the runbook: certificates into the package -----------------------------------------
def point_at(aws: Aws) -> None:
    """This process's chalicelib (CA, registry load) talks to the emulator as the deployer."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": aws.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_XRAY_SDK_ENABLED": "false",
            "MOTCUA_STAGE": STAGE,
            "MOTCUA_ACCOUNT_ID": ACCOUNT,
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    sys.path.insert(0, str(ROOT))
    from chalicelib.config import settings

    settings.cache_clear()


def certify(aws: Aws, zip_path: Path, functions: dict[str, dict[str, Any]]) -> tuple[Path, Any]:
    """Issue the signing key's certificate, put the chain, the slip roots and the employers' CA where
    the template's variables name them (`chalicelib/certs/`), and update every function's code."""
    from chalicelib.local.employer import ensure_employer_ca
    from chalicelib.local.pki import ensure_signing_identity

    pki = BUILD / "pki"
    identity = ensure_signing_identity(pki, f"alias/motcua-{STAGE}-signing")
    employer_ca = ensure_employer_ca(pki)
    shipped = {
        f"chalicelib/certs/{STAGE}-chain.pem": identity.cert_chain_pem,
        f"chalicelib/certs/{STAGE}-roots.pem": identity.trust_roots_pem,
        "chalicelib/certs/trust-anchors.pem": employer_ca.read_bytes(),
    }
    variables = {"MOTCUA_SIGNING_CHAIN", "MOTCUA_SLIP_TRUST_ROOTS", "MOTCUA_TRUST_ANCHORS"}
    for name, props in functions.items():
        env = props.get("Environment", {}).get("Variables", {})
        for variable in variables:
            if env.get(variable) not in shipped:
                raise RehearsalError(f"{name}: {variable}={env.get(variable)!r} is not a file the package ships")
    certified = BUILD / "deployment-certified.zip"
    shutil.copyfile(zip_path, certified)
    with zipfile.ZipFile(certified, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in shipped.items():
            archive.writestr(arcname, data)
    key = f"deployment-{hashlib.sha256(certified.read_bytes()).hexdigest()[:12]}.zip"
    aws("s3").upload_file(str(certified), ARTIFACTS, key)
    lam = aws("lambda")
    for name in functions:
        lam.update_function_code(FunctionName=name, S3Bucket=ARTIFACTS, S3Key=key)
    for name in functions:
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return pki, identity


# -- the registry and the portal's identity --------------------------------------------------------
@dataclass
class Applicant:
    unit: dict[str, str]
    workers: list[dict[str, str]]


def load_registry(workers: int) -> Applicant:
    """A small demo registry, loaded with the operators' command (`motcua registry load --stage dev`),
    and a unit with `workers` eligible workers."""
    import csv

    from chalicelib.local.demo import write_demo_registry

    units_csv, participants_csv = write_demo_registry(BUILD / "registry", units=3, participants=90)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("motcua")),
            "registry",
            "load",
            "--stage",
            STAGE,
            "--units",
            str(units_csv),
            "--participants",
            str(participants_csv),
            "--quiet",
        ],
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RehearsalError(f"motcua registry load --stage {STAGE} failed: {result.stderr or result.stdout}")
    units = {u["unit_code"]: u for u in csv.DictReader(open(units_csv, encoding="utf-8"))}
    rows = list(csv.DictReader(open(participants_csv, encoding="utf-8")))
    periods: dict[str, int] = {}
    for r in rows:
        periods[r["si_number"]] = periods.get(r["si_number"], 0) + 1
    by_unit: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if periods[r["si_number"]] == 1 and not r["participation_to"] and r["participation_from"] <= "2019-12":
            by_unit.setdefault(r["unit_code"], []).append(r)
    unit_code, people = sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))[0]
    chosen = [
        {
            k: v
            for k, v in {
                "full_name": p["full_name"],
                "si_number": p["si_number"],
                "date_of_birth": p["date_of_birth"],
                "id_number": p["id_number"],
                "period_from": "2020-04-01",
                "period_to": "2020-05-31",
            }.items()
            if v
        }
        for p in people[:workers]
    ]
    return Applicant(units[unit_code], chosen)


def portal_machine_token(aws: Aws, outputs: dict[str, str]) -> str:
    """An access token of the stack's `PortalClient` by the client-credentials grant (scope `motcua/portal`):
    how the portal signs in, for its own routes (create, attach, upload, submit) and those it shares with
    the staff (a dossier, its slips)."""
    import requests

    client = aws("cognito-idp").describe_user_pool_client(
        UserPoolId=outputs["UserPoolId"], ClientId=outputs["PortalClientId"]
    )["UserPoolClient"]
    reply = requests.post(
        f"{aws.endpoint}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "motcua/portal"},
        auth=(client["ClientId"], client["ClientSecret"]),
        timeout=60,
    )
    if reply.status_code != 200:
        raise RehearsalError(f"no client-credentials token for the portal: {reply.status_code} {reply.text[:300]}")
    return str(reply.json()["access_token"])


# -- checks of the deployed functions --------------------------------------------------------------
EMPTY_EVENTS: dict[str, dict[str, Any]] = {
    "SQS": {"Records": []},
    "Schedule": {
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {},
    },
}


STAFF_SIGN_IN = {
    "version": "2",
    "triggerSource": "TokenGeneration_HostedAuth",
    "region": REGION,
    "userPoolId": "rehearsal",
    "userName": "clerk",
    "callerContext": {"awsSdkVersion": "rehearsal", "clientId": "console"},
    "request": {
        "userAttributes": {
            "sub": "u-1",
            "email": "clerk@rehearsal.invalid",
            "custom:role": "clerk",
            "custom:office": "031",
        },
        "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
        "scopes": ["openid", "email", "motcua/staff"],
    },
    "response": {"claimsAndScopeOverrideDetails": None},
}
"""What Cognito hands the pre-token trigger (V2) when a clerk signs in at the hosted UI."""


def preflight(aws: Aws, functions: dict[str, dict[str, Any]], api_base: str) -> dict[str, str | RehearsalError]:
    """Every function started once: the API through API Gateway (`GET /v1/health`, which also asks
    each table, bucket and queue), the others invoked with an empty event of their trigger (no
    records: the sweep finds nothing to do in an empty stack). A wrong handler, an import that fails
    in the package or a setting that stops the cold start fails here, with the function's error."""
    import requests

    lam = aws("lambda")

    def start(name: str) -> str:
        props = functions[name]
        kinds = {e["Type"] for e in props.get("Events", {}).values()}
        if props.get("Handler") == "chalicelib.api.staff_claims.handler":  # the user pool's pre-token trigger
            answer = lam.invoke(FunctionName=name, Payload=json.dumps(STAFF_SIGN_IN).encode())
            payload = answer["Payload"].read().decode()
            claims = json.loads(payload or "{}").get("response", {}).get("claimsAndScopeOverrideDetails", {})
            if answer.get("FunctionError") or claims.get("accessTokenGeneration", {}).get("claimsToAddOrOverride") != {
                "role": "clerk",
                "office": "031",
            }:
                raise RehearsalError(f"{name}: a clerk's sign-in answered {payload[:500]}")
            return "a clerk's sign-in: role and office into the access token"
        if not kinds:  # the API
            reply = requests.get(f"{api_base}/v1/health", timeout=300)
            if reply.status_code != 200 or reply.json().get("failing"):
                raise RehearsalError(f"{name}: GET /v1/health answered {reply.status_code} {reply.text[:500]}")
            return "GET /v1/health 200"
        kind = "SQS" if "SQS" in kinds else "Schedule"
        answer = lam.invoke(FunctionName=name, Payload=json.dumps(EMPTY_EVENTS[kind]).encode())
        payload = answer["Payload"].read().decode()
        if answer.get("FunctionError"):
            raise RehearsalError(f"{name} ({props.get('Handler')}): {answer['FunctionError']}: {payload[:800]}")
        if kind == "SQS" and json.loads(payload) != {"batchItemFailures": []}:
            raise RehearsalError(f"{name}: an empty batch answered {payload[:300]}, not {{'batchItemFailures': []}}")
        return f"{kind} event answered"

    from concurrent.futures import ThreadPoolExecutor

    # cold starts (unpacking the zip, importing app) overlap: two at once on two cores
    def attempt(name: str) -> str | RehearsalError:
        try:
            return start(name)
        except RehearsalError as error:
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = dict(zip(functions, pool.map(attempt, functions), strict=True))
    failed = [str(v) for v in seen.values() if isinstance(v, RehearsalError)]
    if failed:
        raise RehearsalError(" | ".join(failed))
    return seen


def triggers(aws: Aws, functions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each SQS trigger as deployed: the queue it reads and that partial batch failures are on (without
    them one bad message sends its whole batch back, and good messages towards the DLQ)."""
    lam = aws("lambda")
    found = {}
    for name, props in functions.items():
        wanted = [e for e in props.get("Events", {}).values() if e["Type"] == "SQS"]
        if not wanted:
            continue
        mappings = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        if len(mappings) != len(wanted):
            raise RehearsalError(
                f"{name}: {len(mappings)} event source mapping(s) deployed, {len(wanted)} in the template"
            )
        for mapping in mappings:
            if "ReportBatchItemFailures" not in mapping.get("FunctionResponseTypes", []):
                raise RehearsalError(
                    f"{name}: the trigger from {mapping['EventSourceArn']} has no ReportBatchItemFailures"
                )
            if mapping.get("State") not in ("Enabled", "Creating", "Enabling"):
                raise RehearsalError(f"{name}: its trigger is {mapping.get('State')}")
            found[name] = mapping["EventSourceArn"].rsplit(":", 1)[1]
    return found


def errors_logged(aws: Aws, functions: dict[str, dict[str, Any]], since_ms: int) -> list[str]:
    """Errors the functions logged since `since_ms` (a denied call, a failed step): the dossier would
    wait for its message's next visibility, minutes away, so the rehearsal stops at the first."""
    logs = aws("logs")
    found = []
    for name in functions:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", startTime=since_ms)["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        for event in events:
            message = event["message"]
            if re.search(r'"level":\s*"ERROR"|Traceback|AccessDenied|not authorized to perform', message):
                with open(BUILD / "function-errors.log", "a", encoding="utf-8") as out:
                    out.write(f"{name}: {message}\n")
                found.append(f"{name}: {_gist(message)}")
    return found


def _gist(message: str) -> str:
    """A logged error in one line: the message and the exception's last line (its type and text)."""
    try:
        record = json.loads(message)
    except ValueError:
        lines = [line for line in message.strip().splitlines() if line.strip()]
        return lines[-1][:600] if lines else message[:600]
    last = [line for line in str(record.get("exception", "")).splitlines() if line.strip()]
    return f"{record.get('message')} ({record.get('location')}): {last[-1][:600] if last else ''}"


def invocations(aws: Aws, functions: dict[str, dict[str, Any]], since_ms: int) -> dict[str, int]:
    """How many times each function ran since `since_ms`, from its log group's START lines."""
    logs = aws("logs")
    counts = {}
    for name in functions:
        try:
            events = logs.filter_log_events(
                logGroupName=f"/aws/lambda/{name}", startTime=since_ms, filterPattern="START"
            )["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        counts[name.rsplit("-", 1)[1]] = sum(1 for e in events if e["message"].startswith("START"))
    return counts


def queues_left(aws: Aws) -> dict[str, int]:
    """Messages still in each step queue and its DLQ (visible or in flight)."""
    sqs = aws("sqs")
    left = {}
    for step in QUEUE_STEPS:
        for name in (f"motcua-{STAGE}-{step}", f"motcua-{STAGE}-{step}-dlq"):
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            left[name] = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
    return left


# -- one dossier through the API -------------------------------------------------------------------
@dataclass
class Outcome:
    dossier_id: str
    status: str
    history: list[str] = field(default_factory=list)
    slips: dict[str, str] = field(default_factory=dict)
    bridged: set[str] = field(default_factory=set)


def attachments(applicant: Applicant, pki: Path, scan: bool) -> dict[str, tuple[bytes, str]]:
    """The employer's signed request and the list of workers: a scanned page (OCR) or the PDF the
    employer's software prints (with a text layer)."""
    from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
    from tests.helpers import pdf_bytes
    from tests.scans.generate import Document, Worker, render_pages, render_pdf, save_png

    unit = applicant.unit
    employer = ensure_demo_employer(pki, unit["tax_code"], name=unit["unit_name"])
    request = sign_as_employer(pdf_bytes("De nghi ho tro nguoi lao dong tam hoan hop dong"), employer)
    listing = render_pdf(
        Document(
            unit["unit_code"],
            unit["tax_code"],
            unit["unit_name"],
            [Worker(**{"id_number": "", **w}) for w in applicant.workers],
        )
    )
    files = {"request.pdf": (request, "application/pdf")}
    if scan:
        files["worker_list.png"] = (save_png(render_pages(listing, 300)[0], 300), "image/png")
    else:
        files["worker_list.pdf"] = (listing, "application/pdf")
    return files


def drive(
    aws: Aws,
    api_base: str,
    machine: str,
    applicant: Applicant,
    pki: Path,
    functions: dict[str, dict[str, Any]],
    scan: bool,
    timeout: float,
) -> Outcome:
    import requests

    http = requests.Session()
    http.headers["Authorization"] = machine  # the client-credentials access token, on every portal route
    own = {"Authorization": machine}
    unit = applicant.unit
    body = {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:6].upper()}",
        "procedure": "suspension_support",
        "applicant": {
            "unit_code": unit["unit_code"],
            "tax_code": unit["tax_code"],
            "name": unit["unit_name"],
            "province_code": unit["province_code"],
        },
        "workers": applicant.workers,
    }
    started_ms = int(time.time() * 1000)
    reply = http.post(f"{api_base}/v1/dossiers", json=body, headers=own, timeout=120)
    if reply.status_code != 201:
        raise RehearsalError(f"POST /v1/dossiers answered {reply.status_code}: {reply.text[:500]}")
    dossier_id = reply.json()["id"]
    for name, (data, media) in attachments(applicant, pki, scan).items():
        reply = http.put(
            f"{api_base}/v1/dossiers/{dossier_id}/attachments/{name}",
            data=data,
            headers={**own, "Content-Type": media},
            timeout=120,
        )
        if reply.status_code != 200:
            raise RehearsalError(f"PUT .../attachments/{name} answered {reply.status_code}: {reply.text[:500]}")
    reply = http.post(f"{api_base}/v1/dossiers/{dossier_id}/submit", headers=own, timeout=120)
    if reply.status_code != 202:
        raise RehearsalError(f"POST .../submit answered {reply.status_code}: {reply.text[:500]}")
    deadline = time.monotonic() + timeout
    statuses: list[str] = []
    while True:
        dossier = http.get(f"{api_base}/v1/dossiers/{dossier_id}", timeout=120).json()
        if not statuses or statuses[-1] != dossier["status"]:
            statuses.append(dossier["status"])
            say(f"dossier {dossier_id} {dossier['status']}")
        if dossier["status"] == FINAL:
            break
        if dossier["status"] in UNHAPPY:
            raise RehearsalError(f"the dossier ended {dossier['status']}: {json.dumps(dossier['findings'])[:1500]}")
        problems = errors_logged(aws, functions, started_ms)
        if problems:
            raise RehearsalError(f"the dossier stopped at {dossier['status']}: " + " | ".join(problems[:3]))
        if time.monotonic() > deadline:
            raise RehearsalError(f"the dossier is still {dossier['status']} after {timeout:.0f} s ({statuses})")
        time.sleep(1)
    outcome = Outcome(dossier_id, dossier["status"], statuses)
    for kind in ("receipt", "confirmation"):
        reply = http.get(
            f"{api_base}/v1/dossiers/{dossier_id}/documents/{kind}", headers={"Accept": "application/json"}, timeout=120
        )
        if reply.status_code != 200:
            raise RehearsalError(f"GET .../documents/{kind} answered {reply.status_code}: {reply.text[:500]}")
        link = reply.json()
        url = link.get("download") or link.get("url") or next(v for v in link.values() if str(v).startswith("http"))
        pdf = requests.get(url, timeout=60)
        content = pdf.content
        if pdf.status_code == 403 and b"SignatureDoesNotMatch" in content:
            # MiniStack 1.5.33 miscomputes the signature of a presigned GET with response-content-disposition
            # (BRIDGES["presigned-get"]); the object the link names is read by the deployer instead
            outcome.bridged.add("presigned-get")
            from urllib.parse import unquote, urlsplit

            bucket, _, key = urlsplit(url).path.lstrip("/").partition("/")
            content = aws("s3").get_object(Bucket=bucket, Key=unquote(key))["Body"].read()
        elif pdf.status_code != 200:
            raise RehearsalError(f"the {kind}'s link answered {pdf.status_code}: {pdf.text[:300]}")
        if not content.startswith(b"%PDF"):
            raise RehearsalError(f"the {kind}'s link gives no PDF: {content[:100]!r}")
        verdict = requests.post(
            f"{api_base}/v1/verify", data=content, headers={"Content-Type": "application/pdf"}, timeout=120
        )
        if verdict.status_code != 200:
            raise RehearsalError(f"POST /v1/verify of the {kind} answered {verdict.status_code}: {verdict.text[:500]}")
        outcome.slips[kind] = json.dumps(verdict.json(), ensure_ascii=False)
        if not verdict.json().get("valid"):
            raise RehearsalError(f"POST /v1/verify says the {kind} is not ours and intact: {verdict.text[:800]}")
    return outcome


# -- main -------------------------------------------------------------------------------------------
def package() -> Path:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--stage", STAGE], check=True)
    return ROOT / "build" / "package"


def rehearse(template_path: Path | None, zip_path: Path | None, short: bool, keep: bool, until: str = "dossier") -> int:
    started = time.monotonic()
    if template_path is None or zip_path is None:
        out = package()
        template_path = template_path or out / "sam.json"
        zip_path = zip_path or out / "deployment.zip"
    sam = json.loads(template_path.read_text())
    BUILD.mkdir(parents=True, exist_ok=True)
    say("starting MiniStack")
    emulator = MiniStack.start()
    say(f"MiniStack on {emulator.endpoint} (log {emulator.log.relative_to(ROOT)})")
    try:
        aws = Aws(emulator.endpoint)
        s3 = aws("s3")
        s3.create_bucket(Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.upload_file(str(zip_path), ARTIFACTS, "deployment.zip")
        template, applied = rehearsal_template(sam, {"bucket": ARTIFACTS, "key": "deployment.zip"})
        for bridge in [*applied, "cognito-client", "certificates", "code-update"]:
            say(f"bridge {bridge}: {BRIDGES[bridge]}")
        timer = time.monotonic()
        outputs = deploy(aws, template)
        functions = functions_of(template)
        say(f"stack {STACK} CREATE_COMPLETE, {len(template['Resources'])} resources ({time.monotonic() - timer:.1f} s)")
        point_at(aws)
        pki, _identity = certify(aws, zip_path, functions)
        say("certificates in chalicelib/certs/ of the zip, functions updated")
        applicant = load_registry(workers=2)
        say(f"registry loaded with motcua registry load --stage {STAGE}")
        api_base = f"{aws.endpoint}/restapis/{outputs['RestAPIId']}/{STAGE}/_user_request_"
        import requests

        anonymous = requests.get(f"{api_base}/v1/dossiers/none", timeout=180)
        if anonymous.status_code != 401:
            raise RehearsalError(f"a dossier without a token answered {anonymous.status_code}, not 401 (authorizer?)")
        say("no token: 401 from API Gateway's Cognito authorizer")
        machine = portal_machine_token(aws, outputs)
        say("the portal's client-credentials token: from the stack's PortalClient (scope motcua/portal)")
        since_ms = int(time.time() * 1000)
        started_functions = preflight(aws, functions, api_base)
        say(f"every function starts: {started_functions}")
        wired = triggers(aws, functions)
        say(f"SQS triggers with ReportBatchItemFailures: {wired}")
        if until == "preflight":
            say(f"proved: stack {STACK} deployed, every function starts, every SQS trigger reports partial failures")
            return 0
        outcome = drive(
            aws, api_base, machine, applicant, pki, functions, scan=not short, timeout=240 if short else 420
        )
        left = queues_left(aws)
        if any(left.values()):
            raise RehearsalError(f"messages left in queues: { {k: v for k, v in left.items() if v} }")
        counts = invocations(aws, functions, since_ms)
        for step in QUEUE_STEPS:
            if counts.get(step, 0) < 2:  # the preflight's empty event, then at least one message
                raise RehearsalError(f"{step} did not run for the dossier (invocations {counts})")
    except RehearsalError as error:
        print(f"rehearse: FAILED: {error}", file=sys.stderr)
        print(f"rehearse: the emulator's log: {emulator.log}", file=sys.stderr)
        return 1
    finally:
        if keep:
            print(f"rehearse: MiniStack left running on {emulator.endpoint} (pid {emulator.process.pid})")
        else:
            emulator.stop()
    print(
        f"rehearse: proved in {time.monotonic() - started:.0f} s: stack {STACK} from {template_path.name} "
        f"({len(template['Resources'])} resources, bridges: {', '.join(sorted({*applied, *outcome.bridged, 'cognito-client', 'certificates'}))}); "
        f"functions invoked {counts}; queues {', '.join(QUEUE_STEPS)} drained, DLQs empty; "
        f"dossier {outcome.dossier_id} {' -> '.join(outcome.history)}; "
        f"slips receipt and confirmation signed through KMS, verified by POST /v1/verify"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the list of workers as a PDF with text (make test)")
    parser.add_argument("--template", type=Path, help="deploy this template instead of packaging (tests)")
    parser.add_argument("--zip", type=Path, help="with --template: the deployment zip (default: build/package's)")
    parser.add_argument(
        "--until", choices=("preflight", "dossier"), default="dossier", help="stop once every function has started"
    )
    parser.add_argument("--keep", action="store_true", help="leave the emulator running at the end")
    args = parser.parse_args(argv)
    zip_path = args.zip or (ROOT / "build" / "package" / "deployment.zip" if args.template else None)
    return rehearse(args.template, zip_path, args.short, args.keep, args.until)


if __name__ == "__main__":
    sys.exit(main())
