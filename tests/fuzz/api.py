"""Schemathesis against the running stack's `/v1/openapi.json`: every operation, as every role.

For each operation and role (the portal, a clerk and an authority of office 031, an admin, no token)
schemathesis generates requests that fit the document (positive) and requests that break it
(negative); every answer goes through schemathesis' checks: never a 5xx, a status the document
lists, a body and headers that match the schema it names, negative data refused. Half of the cases
on `{dossier_id}` and `{portal_code}` get a real dossier instead of a random one, so the requests
also reach the code behind the 404.

Failures are collected, not raised at the first one: hypothesis would otherwise spend the budget
shrinking one example, and a report of every distinct failure is more use than one minimal case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from schemathesis.core.parameters import ParameterLocation

from chalicelib.local.stack import PROJECT_DIR
from tests.fuzz.stack import StackLike
from tests.helpers import dossier_body

__all__ = ["ROLES", "ApiRun", "coverage_phase", "fuzz_api"]

ROLES: dict[str, tuple[str, str | None] | None] = {
    "portal": ("portal", None),
    "clerk": ("clerk", "031"),
    "authority": ("authority", "031"),
    "admin": ("admin", None),
    "anonymous": None,
}
"""Role name -> `motcua token` arguments (None: no Authorization header at all)."""


@dataclass
class ApiRun:
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    """(operation, role, mode, check) -> the first message of that failure."""
    statuses: dict[int, int] = field(default_factory=dict)
    unsent: int = 0
    """Cases the HTTP client itself could not send (e.g. a header that is not latin-1)."""
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.cases} cases, statuses {dict(sorted(self.statuses.items()))}, {len(self.server_errors)} 5xx, {self.unsent} unsent"
        ]
        lines += [f"- {key}: {message}" for key, message in sorted(self.failures.items())[:25]]
        return "\n".join(lines)


def _binary_bodies() -> None:
    """Attachments and `POST /v1/verify` take raw files; schemathesis knows PNG and JPEG bodies,
    not PDF or TIFF: `st_hooks` has it send those as raw bytes (once per process, as any import)."""
    import tests.fuzz.st_hooks  # noqa: F401


def _real_dossiers(stack: StackLike) -> list[tuple[str, str]]:
    """(id, portal code) of a draft and of a dossier that went through the pipeline and came back."""
    portal = stack.token("portal")
    draft = requests.post(f"{stack.base}/v1/dossiers", json=dossier_body(), headers=portal, timeout=60).json()
    returned = requests.post(f"{stack.base}/v1/dossiers", json=dossier_body(), headers=portal, timeout=60).json()
    requests.post(f"{stack.base}/v1/dossiers/{returned['id']}/submit", headers=portal, timeout=60)
    return [(draft["id"], draft["portal_code"]), (returned["id"], returned["portal_code"])]


def _headers(stack: StackLike, role: str) -> dict[str, str]:
    spec = ROLES[role]
    return {} if spec is None else stack.token(*spec)


def _one_case(
    stack: StackLike,
    run: ApiRun,
    session: requests.Session,
    real: list[tuple[str, str]],
    key: str,
    headers: dict[str, str],
    skipped_check: Any,
) -> Any:
    """The body of one hypothesis test: send the case, count it, run the checks, record failures."""
    counter = [0]

    def one(case: Any) -> None:
        counter[0] += 1
        if counter[0] % 2 == 0:  # every other case on a real dossier (a draft, or one that came back)
            dossier_id, portal_code = real[(counter[0] // 2) % len(real)]
            if "dossier_id" in (case.path_parameters or {}):
                case.path_parameters["dossier_id"] = dossier_id
            if "portal_code" in (case.path_parameters or {}):
                case.path_parameters["portal_code"] = portal_code
        # A case whose Authorization header schemathesis made invalid on purpose is sent as made.
        own_auth = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        sent = {} if own_auth else headers
        try:
            response = case.call(base_url=stack.base, session=session, headers=sent, timeout=60)
        except (requests.RequestException, ValueError, UnicodeError):
            run.unsent += 1
            return
        run.cases += 1
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            run.server_errors.append(
                f"{key}: {case.method} {case.formatted_path} -> {response.status_code} {response.text[:200]}"
            )
        try:
            case.validate_response(
                response,
                excluded_checks=[skipped_check],
                headers=sent,
                transport_kwargs={"base_url": stack.base, "session": session, "timeout": 60},
            )
        except BaseExceptionGroup as group:
            for failure in group.exceptions:
                title = getattr(failure, "title", type(failure).__name__)
                run.failures.setdefault(
                    f"{key} [{title}]",
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {str(failure)[:300]}",
                )

    return one


def fuzz_api(
    stack: StackLike,
    max_examples: int = 4,
    roles: tuple[str, ...] = ("portal", "clerk", "authority", "anonymous"),
    seed: int = 0,
    modes: tuple[str, ...] = ("positive", "negative"),
) -> ApiRun:
    """Run schemathesis' generated cases against `stack`; `max_examples` per operation, role and mode."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import load_all_checks
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    load_all_checks()
    _binary_bodies()
    started = time.monotonic()
    run = ApiRun()
    schema = schemathesis.openapi.from_url(f"{stack.base}/v1/openapi.json", timeout=30)
    real = _real_dossiers(stack)
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        secured = bool(operation.definition.raw.get("security"))
        for role in roles if secured else ("anonymous",):
            headers = _headers(stack, role)
            for mode in modes:
                test = _one_case(
                    stack,
                    run,
                    session,
                    real,
                    f"{operation.label} as {role} ({mode})",
                    headers,
                    positive_data_acceptance,
                )
                strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
                settled = settings(
                    max_examples=max_examples,
                    database=None,
                    deadline=None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                try:
                    fixed_seed(seed)(settled(given(strategy)(test)))()
                except Unsatisfiable:
                    pass  # nothing of this operation can be made invalid (no parameters, no body)
    run.seconds = round(time.monotonic() - started, 1)
    return run


def coverage_phase(
    stack: StackLike,
    roles: tuple[str, ...] = ("clerk", "anonymous"),
    seed: int = 0,
    max_examples: int = 2,
    phases: str = "examples,coverage",
) -> ApiRun:
    """Schemathesis' own runner (`st run`), whose coverage phase the strategies above do not have:
    boundary values of every parameter, each required part missing, methods the document does not
    list. One run per role; the counts come from its JSON report."""
    started = time.monotonic()
    run = ApiRun()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.st_hooks", "PYTHONPATH": str(PROJECT_DIR)}
    for role in roles:
        with tempfile.TemporaryDirectory(prefix="motcua-st-") as tmp:
            report = Path(tmp) / "report.json"
            args = [
                str(Path(sys.executable).with_name("st")),
                "run",
                f"{stack.base}/v1/openapi.json",
                "--phases",
                phases,
                "-n",
                str(max_examples),
                "--seed",
                str(seed),
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--no-color",
                "--request-timeout",
                "60",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ]
            token = _headers(stack, role).get("Authorization")
            if token:
                args += ["-H", f"Authorization: {token}"]
            finished = subprocess.run(args, cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
            if not report.exists():
                run.failures[f"coverage as {role} [no report]"] = (finished.stdout + finished.stderr)[-500:]
                continue
            result = json.loads(report.read_text())
        run.cases += result["test_cases"]["generated"]
        for failure in result["failures"]:
            if failure["code"] == "ST101":  # Server error
                run.server_errors += [f"coverage as {role}: {operation}" for operation in failure["operations"]]
            run.failures[f"coverage as {role} [{failure['code']} {failure['title']}]"] = ", ".join(
                failure["operations"][:6]
            )
        run.unsent += len(result["errors"])
    run.seconds = round(time.monotonic() - started, 1)
    return run
