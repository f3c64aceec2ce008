#!/usr/bin/env python3
"""Build the CloudFormation (SAM) package of one stage: `build/package/sam.json` + `deployment.zip`.

    .venv/bin/python scripts/package.py [--stage dev|prod] [--out build/package] [--force]

Steps:
1. `build/merge.json` = `infra/resources.json` (the template the local stack also uses) deep-merged
   with `infra/aws.json` (what only AWS gets: keys, Object Lock, alarms, Cognito), plus what is
   derived from `resources.json` so a new table or queue gets it without anyone remembering:
   the data key's encryption on every table, and two alarms on every queue (DLQ depth > 0, age
   of the oldest message).
2. `chalice package --stage STAGE --merge-template build/merge.json OUT`.
3. Post-processing of `OUT/sam.json` (see `postprocess`; `public_functions` gives `POST /v1/verify` a
   function of its own). Why post-process instead of putting
   everything in the merge template: chalice's merge is a deep dict merge, which can add keys but
   neither replace nor delete them. Pointing an SQS trigger at `Fn::GetAtt` through the merge
   leaves chalice's `Fn::Sub` beside it (two intrinsic functions in one value: cfn-lint E3017);
   the OCR worker as a container image must lose `CodeUri`, `Handler` and `Runtime`; and the
   triggers' logical names come from app.py (`workflow` and `notify` are coming), so a static
   merge file would have to be edited with every new handler. Here every SQS trigger is found
   by type, whatever its name.
4. `templates/` (the slips' fonts, read from `/var/task/templates/fonts` by render.py) is added to
   `deployment.zip`: chalice ships only app.py, chalicelib/ and vendor/.
5. The byte code of every module in `deployment.zip` is added to it (`add_bytecode`): Lambda cannot
   write it, so without it each cold start compiles what it imports.

Needs no AWS credentials (chalice package calls no AWS API) and only PyPI. Quick the second time:
chalice keeps the built dependencies in `.chalice/deployments/` (keyed on requirements.txt), and
this script skips everything when a fingerprint of its inputs matches `OUT/.fingerprint`.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import hashlib
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHALICE = Path(sys.executable).with_name("chalice")
OCR_FUNCTION = "extract"
"""Runs from the container image of infra/Dockerfile.ocr (Tesseract is not in Lambda's runtime)."""
QUEUE_AGE_ALARM_SECONDS = {"extract": 900}
"""Age of the oldest message that raises the alarm; other queues: DEFAULT_QUEUE_AGE_SECONDS."""
DEFAULT_QUEUE_AGE_SECONDS = 300


# -- inputs and fingerprint -------------------------------------------------------------------------
def input_files() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "requirements.txt", Path(__file__).resolve()]
    files += sorted((ROOT / ".chalice").glob("*.json"))
    files += sorted((ROOT / "infra").glob("*.json"))
    for folder in ("chalicelib", "templates", "vendor"):
        files += sorted(
            p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    return [f for f in files if f.exists()]


def fingerprint(stage: str) -> str:
    digest = hashlib.sha256(f"stage={stage}\n".encode())
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# -- the merge template -----------------------------------------------------------------------------
def deep_merge(base: Any, extra: Any) -> Any:
    """`extra` into `base`: dicts merge key by key, anything else in `extra` wins."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(extra)


def queues_of(template: dict[str, Any], stage: str) -> dict[str, str]:
    """Queue name in this stage (`motcua-dev-extract`) -> logical id, for every SQS queue."""
    found = {}
    for logical, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::SQS::Queue":
            name = resource["Properties"]["QueueName"]
            name = name["Fn::Sub"] if isinstance(name, dict) else name
            found[name.replace("${Stage}", stage)] = logical
    return found


def queue_alarms(resources: dict[str, Any]) -> dict[str, Any]:
    """Per queue with a DLQ: the DLQ holds a message (> 0), and the oldest message is too old."""
    alarms: dict[str, Any] = {}
    for logical, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::Queue" or "RedrivePolicy" not in resource.get("Properties", {}):
            continue
        name = resource["Properties"]["QueueName"]["Fn::Sub"].split("${Stage}-", 1)[1]
        dlq = resource["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        common = {
            "EvaluationPeriods": 1,
            "Period": 60,
            "Namespace": "AWS/SQS",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        }
        alarms[f"{dlq}DepthAlarm"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                **common,
                "AlarmName": {"Fn::Sub": f"motcua-${{Stage}}-{name}-dlq-not-empty"},
                "AlarmDescription": f"A {name} message failed {resource['Properties']['RedrivePolicy']['maxReceiveCount']} times and waits in its DLQ: fix, then replay it",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Statistic": "Maximum",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}],
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 0,
            },
        }
        age = QUEUE_AGE_ALARM_SECONDS.get(name, DEFAULT_QUEUE_AGE_SECONDS)
        alarms[f"{logical}AgeAlarm"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                **common,
                "EvaluationPeriods": 5,
                "AlarmName": {"Fn::Sub": f"motcua-${{Stage}}-{name}-oldest-message"},
                "AlarmDescription": f"The oldest {name} message waited more than {age} s for 5 minutes: the consumer is throttled, failing or too slow",
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Statistic": "Maximum",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}],
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": age,
            },
        }
    return alarms


def merge_template(stage: str) -> dict[str, Any]:
    base = json.loads((ROOT / "infra" / "resources.json").read_text())
    aws = json.loads((ROOT / "infra" / "aws.json").read_text())
    merged = deep_merge(base, aws)
    merged["Parameters"]["Stage"]["Default"] = stage
    for resource in merged["Resources"].values():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            resource["Properties"]["SSESpecification"] = {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Ref": "DataKey"},
            }
    merged["Resources"].update(queue_alarms(merged["Resources"]))
    return merged


# -- post-processing of chalice's output ------------------------------------------------------------
_SUB = re.compile(r"\$\{[A-Za-z0-9:.]+\}")


def substitute(value: Any) -> Any:
    """Strings with `${AWS::AccountId}`, `${DataKey.Arn}`, `${PublicBaseUrl}`... -> `Fn::Sub`."""
    if isinstance(value, str) and _SUB.search(value):
        return {"Fn::Sub": value}
    if isinstance(value, list):
        return [substitute(v) for v in value]
    if isinstance(value, dict) and not any(k.startswith("Fn::") for k in value):
        return {k: substitute(v) for k, v in value.items()}
    return value


def function_name(stage: str, handler: str) -> str:
    return f"motcua-{stage}-" + ("api" if handler == "app.app" else handler.split(".", 1)[1])


PUBLIC_FUNCTIONS = {"verify": ("/v1/verify", "post")}
"""Public routes served by a Lambda function of their own (same code, `app.app`): its own role (the
`.chalice/policy-STAGE-NAME.json` file), its own reserved concurrency, none of the stage's secrets.
Why: `POST /v1/verify` takes PDFs from anyone and parses them; run in the API's function it could hold
the API's concurrency and would run with a role that reads every dossier."""
SECRET_VARIABLES = re.compile(r"SECRET(?!S$)|CALLBACK|AUTHORITY|COGNITO")
"""Environment variables a public function does not get. `MOTCUA_SECRETS` (where keys come from, not a key)
stays: without it the function's settings refuse to start in Lambda (found by `make rehearse`)."""


def _function_of_its_own(resources: dict[str, Any], stage: str, short: str, logical: str, own: dict[str, Any]) -> dict:
    """A copy of `APIHandler` under its own name, timeout, memory and role (from its own policy file), without
    the stage's secrets; returns the function's properties for the caller's own changes."""
    props = copy.deepcopy(resources["APIHandler"]["Properties"])
    props["FunctionName"] = f"motcua-{stage}-{short}"
    props["Role"] = {"Fn::GetAtt": [f"{logical}Role", "Arn"]}
    props["Timeout"] = own["lambda_timeout"]
    props["MemorySize"] = own["lambda_memory_size"]
    variables = props.get("Environment", {}).get("Variables", {})
    props["Environment"] = {"Variables": {k: v for k, v in variables.items() if not SECRET_VARIABLES.search(k)}}
    resources[logical] = {"Type": "AWS::Serverless::Function", "Properties": props}
    policy = json.loads((ROOT / ".chalice" / own["iam_policy_file"]).read_text())
    resources[f"{logical}Role"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": copy.deepcopy(
                resources["ApiHandlerRole"]["Properties"]["AssumeRolePolicyDocument"]
            ),
            "Policies": [{"PolicyName": f"{logical}RolePolicy", "PolicyDocument": policy}],
        },
    }
    return props


def public_functions(sam: dict[str, Any], stage: str) -> None:
    """Clone `APIHandler` into one function per `PUBLIC_FUNCTIONS` entry and point its route at it."""
    resources = sam["Resources"]
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]["lambda_functions"]
    for short, (path, method) in PUBLIC_FUNCTIONS.items():
        own = config[short]
        logical = short.capitalize()
        props = _function_of_its_own(resources, stage, short, logical, own)
        props["ReservedConcurrentExecutions"] = own["reserved_concurrency"]
        resources[f"{logical}InvokePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": logical},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": [
                        f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{RestAPIId}}/*/{method.upper()}{path}",
                        {"RestAPIId": {"Ref": "RestAPI"}},
                    ]
                },
            },
        }
        route = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"][path][method]
        route["x-amazon-apigateway-integration"]["uri"] = {
            "Fn::Sub": f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{logical}.Arn}}/invocations"
        }


TRIGGER_FUNCTIONS = {"staff_claims": "chalicelib.api.staff_claims.handler"}
"""The user pool's pre-token-generation trigger (V2): the staff's role, office and body into their access
tokens, which every secured route wants (`app.py`, `_authorizer`). A function of its own with a handler
outside `app.py`: Cognito waits five seconds for it, so it imports none of the app, and it holds no
secret and reads nothing (its policy writes its logs only)."""


def trigger_functions(sam: dict[str, Any], stage: str) -> None:
    """The package's code as the pool's pre-token trigger: the function, its role, the pool's permission."""
    resources = sam["Resources"]
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]["lambda_functions"]
    for short, handler in TRIGGER_FUNCTIONS.items():
        own = config[short]
        logical = "".join(part.capitalize() for part in short.split("_"))
        props = _function_of_its_own(resources, stage, short, logical, own)
        props.pop("ReservedConcurrentExecutions", None)  # a reserve would throttle sign-ins at the peak
        props["Handler"] = handler
        resources[f"{logical}InvokePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": logical},
                "Action": "lambda:InvokeFunction",
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
            },
        }
        pool = resources["UserPool"]["Properties"]
        pool["LambdaConfig"] = {
            "PreTokenGenerationConfig": {"LambdaArn": {"Fn::GetAtt": [logical, "Arn"]}, "LambdaVersion": "V2_0"}
        }


def postprocess(sam: dict[str, Any], merged: dict[str, Any], stage: str) -> list[str]:
    """Make chalice's template deployable; answers warnings (nothing here raises on valid input)."""
    resources = sam["Resources"]
    queues = queues_of(merged, stage)
    warnings = []
    public_functions(sam, stage)
    trigger_functions(sam, stage)
    for logical, resource in list(resources.items()):
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                policy["PolicyDocument"] = substitute(policy["PolicyDocument"])
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        name = props.get("FunctionName") or function_name(stage, props["Handler"])
        short = name.rsplit("-", 1)[1]
        props["FunctionName"] = name
        variables = props.setdefault("Environment", {}).setdefault("Variables", {})
        props["Environment"]["Variables"] = substitute(variables)
        # The log group belongs to the stack: retention set, and the roles need no logs:CreateLogGroup.
        resources[f"{logical}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": f"/aws/lambda/{name}", "RetentionInDays": {"Ref": "LogRetentionDays"}},
        }
        resource.setdefault("DependsOn", [])
        resource["DependsOn"] = sorted(
            set(resource["DependsOn"] if isinstance(resource["DependsOn"], list) else [resource["DependsOn"]])
            | {f"{logical}LogGroup"}
        )
        for event in props.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue_arn = event["Properties"]["Queue"]
            queue_name = json.dumps(queue_arn).rsplit(":", 1)[1].strip('"}')
            if queue_name not in queues:
                warnings.append(f"{name}: no queue {queue_name} in infra/resources.json")
                continue
            # Replace, not merge: one intrinsic function per value (cfn-lint E3017).
            event["Properties"]["Queue"] = {"Fn::GetAtt": [queues[queue_name], "Arn"]}
            # aws/chalice#2029: the handlers answer {"batchItemFailures": [...]}; without this the
            # whole batch would come back for one failed record.
            event["Properties"]["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
            reserved = props.get("ReservedConcurrentExecutions")
            if isinstance(reserved, int) and reserved >= 2:
                # Let SQS stop polling at the reserved concurrency instead of being throttled:
                # throttled receives count towards maxReceiveCount and would send good messages to the DLQ.
                event["Properties"]["ScalingConfig"] = {"MaximumConcurrency": min(reserved, 1000)}
            visibility = merged["Resources"][queues[queue_name]]["Properties"].get("VisibilityTimeout", 30)
            if visibility < 6 * props.get("Timeout", 3):
                warnings.append(
                    f"{queue_name}: VisibilityTimeout {visibility} s < 6 x {name}'s timeout {props.get('Timeout')} s"
                )
        if short == OCR_FUNCTION:
            handler = props.pop("Handler")
            for key in ("CodeUri", "Runtime", "Layers"):
                props.pop(key, None)
            props["PackageType"] = "Image"
            props["ImageUri"] = {"Ref": "OcrImageUri"}
            props["ImageConfig"] = {"Command": [handler]}
    # A Cognito authorizer declared in app.py points at this stack's user pool.
    for resource in resources.values():
        body = resource.get("Properties", {}).get("DefinitionBody")
        if not isinstance(body, dict):
            continue
        for definition in body.get("securityDefinitions", {}).values():
            authorizer = definition.get("x-amazon-apigateway-authorizer", {})
            if authorizer.get("type") == "cognito_user_pools":
                authorizer["providerARNs"] = [{"Fn::GetAtt": ["UserPool", "Arn"]}]
    return warnings


NOT_SHIPPED = ("chalicelib/local/", "chalicelib/cli.py", "chalicelib/documents/examples.py")
"""The local stage, the command line and the example slips: no function imports them (tests/unit/test_layers.py),
so the Lambda package leaves them out."""


def strip_local(zip_path: Path) -> None:
    """Rewrite the zip without `NOT_SHIPPED` (chalice ships all of chalicelib/) and without the byte code
    chalice copied from this tree's `__pycache__/`: stale or not, `add_bytecode` makes its own."""
    kept = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(kept, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if not item.filename.startswith(NOT_SHIPPED) and "/__pycache__/" not in f"/{item.filename}":
                target.writestr(item, source.read(item.filename))
    kept.replace(zip_path)


def add_templates(zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        present = set(archive.namelist())
        for path in sorted((ROOT / "templates").rglob("*")):
            arcname = str(path.relative_to(ROOT))
            if path.is_file() and arcname not in present:
                archive.write(path, arcname)


LAMBDA_UNZIPPED_BYTES = 250 * 1024 * 1024
"""Lambda's limit for a function's code, unzipped: what the byte code may not push the package over."""

LOADED_MODULES = """
import ast, importlib, pathlib, pkgutil, sys
root = sys.argv[1]
sys.path[:0] = [root]
import app, chalicelib
for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
    importlib.import_module(info.name)
names = set()
for path in [pathlib.Path(root, "app.py"), *pathlib.Path(root, "chalicelib").rglob("*.py")]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
for name in sorted(names):
    try:
        importlib.import_module(name)
    except Exception:
        pass
files = [getattr(module, "__file__", None) or "" for module in list(sys.modules.values())]
print("\\n".join(sorted(f[len(root) + 1 :] for f in files if f.startswith(root + "/") and f.endswith(".py"))))
"""
"""Prints the modules of the zip that the code loads: `app`, every module of `chalicelib`, and every
module any of them imports, at the top or inside a function (boto3, pyHanko, pypdfium2 are imported
where they are first needed), with what those import in turn."""


def add_bytecode(zip_path: Path) -> int:
    """Add to the zip the byte code of every module the code loads, as `__pycache__/*.pyc` of unchecked hash.

    Lambda's `/var/task` is read-only, so without them every cold start compiles from source what it
    imports (chalice ships sources only, its own wheels' included): 0.5-1.2 s of `import app` alone,
    measured in docs/bench/README.md. Not the byte code of everything: that would take the package to
    272 MB unzipped, past Lambda's limit, for build tools (pip, setuptools), tests and modules nothing
    imports. What a library loads later on its own (a botocore service model's parser) compiles then.
    Unchecked hash, because the zip's modification times are not the ones Lambda will see;
    `/var/task/...` is the name tracebacks show. Chalice builds for the Python it runs under (the
    function's `Runtime`), so this interpreter's byte code is the one Lambda reads. Returns how many
    modules were compiled."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp)
            unzipped = sum(info.file_size for info in archive.infolist())
        probe = subprocess.run(
            [sys.executable, "-I", "-B", "-c", LOADED_MODULES, tmp],
            capture_output=True,
            text=True,
            timeout=300,
            env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "ap-southeast-1"},
        )
        if probe.returncode != 0:
            raise PackageError(f" the packaged app does not import: {probe.stderr[-2000:]}")
        ok = True
        for name in probe.stdout.split():
            ok &= bool(
                compileall.compile_file(
                    Path(tmp, name),
                    ddir=str(Path("/var/task", name).parent),
                    force=True,
                    quiet=2,
                    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
            )
        if not ok:
            raise PackageError(" a module of the package does not compile; see above")
        compiled = sorted(Path(tmp).rglob("__pycache__/*.pyc"))
        unzipped += sum(path.stat().st_size for path in compiled)
        if unzipped > LAMBDA_UNZIPPED_BYTES:
            raise PackageError(
                f" with its byte code the package is {unzipped / 1e6:.0f} MB unzipped, past Lambda's limit"
            )
        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in compiled:
                archive.write(path, str(path.relative_to(tmp)))
    return len(compiled)


class PackageError(RuntimeError):
    """The package cannot be made as the inputs are; the message says what to change."""


def check_wheels(build: Path) -> None:
    """Fail in seconds, not after a 20-minute source build, when a pinned package (or one it pulls in)
    has no wheel Lambda's python3.11 (Amazon Linux 2, glibc 2.26) can load: chalice would build it
    from source on this host, against this host's glibc, and Lambda could not import it."""
    requirements = ROOT / "requirements.txt"
    stamp = build / "wheels" / ".checked"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    platforms = [
        a for p in ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_26_x86_64") for a in ("--platform", p)
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            *platforms,
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "-r",
            str(requirements),
            "-d",
            str(build / "wheels"),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        missing = re.findall(r"No matching distribution found for (\S+)", result.stderr)
        versions = re.findall(r"\(from versions: ([^)]*)\)", result.stderr)
        newest = f" (versions with such a wheel: ...{versions[-1][-60:]})" if versions else ""
        raise PackageError(
            f" {', '.join(missing) or 'a requirement'} has no manylinux wheel for glibc <= 2.26{newest}.\n"
            f"Pin a version that has one in requirements.txt; chalice would otherwise build it on this host.\n"
            + (result.stderr if not missing else "")
        )
    stamp.write_text(digest)


# -- main -------------------------------------------------------------------------------------------
def package(stage: str, out: Path, force: bool = False) -> Path:
    started = time.monotonic()
    stamp = out / ".fingerprint"
    current = fingerprint(stage)
    if (
        not force
        and stamp.exists()
        and stamp.read_text() == current
        and (out / "sam.json").exists()
        and (out / "deployment.zip").exists()
    ):
        print(f"package: {out}/sam.json is up to date ({time.monotonic() - started:.1f} s)")
        return out / "sam.json"
    build = ROOT / "build"
    build.mkdir(exist_ok=True)
    check_wheels(build)
    merged = merge_template(stage)
    (build / "merge.json").write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    if out.exists():
        shutil.rmtree(out)
    env = {**os.environ}
    env.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    subprocess.run(
        [
            str(CHALICE),
            "--project-dir",
            str(ROOT),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(build / "merge.json"),
            str(out),
        ],
        check=True,
        env=env,
        cwd=ROOT,
    )
    sam_path = out / "sam.json"
    sam = json.loads(sam_path.read_text())
    for warning in postprocess(sam, merged, stage):
        print(f"package: warning: {warning}", file=sys.stderr)
    sam_path.write_text(json.dumps(sam, indent=2, ensure_ascii=False) + "\n")
    strip_local(out / "deployment.zip")
    add_templates(out / "deployment.zip")
    modules = add_bytecode(out / "deployment.zip")
    stamp.write_text(current)
    size = (out / "deployment.zip").stat().st_size
    print(
        f"package: {sam_path} and deployment.zip ({size / 1e6:.1f} MB, {modules} modules byte-compiled) for stage {stage} "
        f"in {time.monotonic() - started:.1f} s"
    )
    return sam_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev", choices=("dev", "prod"))
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs did not change")
    args = parser.parse_args(argv)
    try:
        package(args.stage, args.out.resolve(), args.force)
    except PackageError as error:
        print(f"package: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
