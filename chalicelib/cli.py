"""`motcua`: the command line of the local stage and of operations (see API.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from chalicelib.config import settings

__all__ = ["main"]


def _state_dir() -> Path:
    """The local stack's state directory: `MOTCUA_STATE_DIR`, else `.motcua` in the project this
    command belongs to, wherever it is run from (it once was `.motcua` in the current directory: run
    elsewhere, `motcua token` made a new secret and printed a token the API refused)."""
    from chalicelib.local.stack import PROJECT_DIR

    return Path(os.environ.get("MOTCUA_STATE_DIR") or PROJECT_DIR / ".motcua").resolve()


def _emulator_port() -> str:
    """`MOTCUA_EMULATOR_PORT`, else the port the running `make run` wrote down, else 4566."""
    import json

    from chalicelib.local.serve import STACK_FILE

    if os.environ.get("MOTCUA_EMULATOR_PORT"):
        return os.environ["MOTCUA_EMULATOR_PORT"]
    try:
        return str(json.loads((_state_dir() / STACK_FILE).read_text())["emulator_port"])
    except (OSError, ValueError, KeyError):
        return "4566"


def _connect(args: argparse.Namespace | None = None, writes: bool = False) -> None:
    """Point this process at a stage: the running local stack (the emulator `make run` started), or
    with `--stage dev|prod` the AWS account of the shell (`--profile`, or the usual `AWS_*`
    variables; `AWS_ENDPOINT_URL` too, which is how `make rehearse` aims it at its emulator).

    Raises `SystemExit(2)` for a write to prod without `--yes`."""
    stage = getattr(args, "stage", None) or "local"
    if stage == "local":
        from chalicelib.local.serve import TSA_FILE
        from chalicelib.local.stack import local_environment

        port = _emulator_port()
        for key, value in local_environment(f"http://127.0.0.1:{port}", _state_dir()).items():
            os.environ.setdefault(key, value)
        if (_state_dir() / TSA_FILE).exists():  # the running stage's own TSA: slips made here are B-LT too
            os.environ.setdefault("MOTCUA_TSA_URL", (_state_dir() / TSA_FILE).read_text().strip())
        settings.cache_clear()
        return
    if writes and stage == "prod" and not getattr(args, "yes", False):
        print("error: this command writes to prod: say --yes to go on", file=sys.stderr)
        raise SystemExit(2)
    os.environ["MOTCUA_STAGE"] = stage
    profile = getattr(args, "profile", None)
    if profile:
        os.environ["AWS_PROFILE"] = profile
    # tables and queues are named by stage; buckets carry the account id too
    if not os.environ.get("MOTCUA_ACCOUNT_ID"):
        import boto3

        session = boto3.session.Session(profile_name=os.environ.get("AWS_PROFILE"))
        os.environ["MOTCUA_ACCOUNT_ID"] = session.client("sts").get_caller_identity()["Account"]
    os.environ.setdefault("AWS_XRAY_SDK_ENABLED", "false")
    settings.cache_clear()
    print(
        f"motcua: stage {stage}, account {os.environ['MOTCUA_ACCOUNT_ID']}, region {settings().region}", file=sys.stderr
    )


def _stage_options(parser: argparse.ArgumentParser, writes: bool) -> None:
    """`--stage`, `--profile` (and `--yes` for a command that writes) of the operations commands."""
    parser.add_argument(
        "--stage",
        choices=["local", "dev", "prod"],
        default="local",
        help="local (default): the running `make run`; dev, prod: that stage in the AWS account of --profile or the environment",
    )
    parser.add_argument("--profile", help="the AWS profile to use (default: AWS_PROFILE or the usual AWS variables)")
    if writes:
        parser.add_argument("--yes", action="store_true", help="needed to write to prod")


def cmd_serve(args: argparse.Namespace) -> int:
    from chalicelib.local.serve import serve

    return serve(
        port=int(os.environ.get("PORT", "8000")),
        emulator_port=int(os.environ.get("MOTCUA_EMULATOR_PORT") or "4566"),
        state_dir=_state_dir(),
        workers=int(os.environ.get("MOTCUA_WORKERS", str(os.cpu_count() or 1))),
        persist=not args.in_memory,
    )


def cmd_worker(args: argparse.Namespace) -> int:
    _connect()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from chalicelib.local.runner import Runner

    Runner(schedules=not args.no_schedules).run()
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from chalicelib.extraction.engine import start_loading

    start_loading()  # the warm engine's model loads while the extraction's libraries import
    from chalicelib.extraction.cli import run

    return run(args.file, args.json)


def cmd_registry_load(args: argparse.Namespace) -> int:
    _connect(args, writes=True)
    from chalicelib.services.registry_load import main as load

    return load(
        Path(args.units) if args.units else None, Path(args.participants) if args.participants else None, args.quiet
    )


def cmd_sweep(args: argparse.Namespace) -> int:
    _connect(args, writes=True)

    from chalicelib.config import settings
    from chalicelib.services import intake, workflow

    if args.as_of and settings().stage != "local":
        print("error: --as-of is for the local stage only", file=sys.stderr)
        return 2
    from chalicelib.services.deadlines import CalendarError, parse_day

    try:
        as_of = parse_day(args.as_of) if args.as_of else None
    except CalendarError as error:
        print(f"error: --as-of: {error}", file=sys.stderr)
        return 2
    print(
        f"requeued {intake.requeue_stuck()} stuck dossier(s); {workflow.sweep_deadlines(as_of)} newly overdue, apology issued"
    )
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    """`add DATE N` prints the day N working days after DATE; `between A B` the working days from A to B."""
    from chalicelib.services import deadlines

    try:
        if args.calendar_command == "add":
            print(deadlines.describe(deadlines.add(args.date, args.n)))
        else:
            print(deadlines.between(args.a, args.b))
    except deadlines.CalendarError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_audit_anchor(args: argparse.Namespace) -> int:
    _connect()
    from chalicelib.services.anchoring import anchor

    print(f"{anchor(force=True)} chain head(s) anchored")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _connect(args)
    from chalicelib.services.operations import verify_audit

    problems = verify_audit(args.dossier)
    for dossier_id, found in problems.items():
        for problem in found:
            print(f"{dossier_id}: {problem}")
    print("audit log intact" if not problems else f"{len(problems)} dossier(s) with a broken audit log")
    return 0 if not problems else 1


def cmd_dlq(args: argparse.Namespace) -> int:
    _connect(args, writes=args.action == "replay")
    from chalicelib.services.operations import dlq_contents, pretty, replay_dlq

    print(pretty(dlq_contents(args.queue) if args.action == "list" else replay_dlq(args.queue)))
    return 0


def cmd_feedback_import(args: argparse.Namespace) -> int:
    """Feedback received by other channels, one JSON object per line (the national feedback
    system has no public API that we know of: its export, or letters typed in, come this way)."""
    source = Path(args.file)
    if not source.is_file():
        print(f"error: {source} is not a file", file=sys.stderr)
        return 2
    _connect()
    from chalicelib.services.feedback import import_file

    taken, problems = import_file(source)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{taken} phản ánh imported, {len(problems)} line(s) refused")
    return 0 if not problems else 1


def cmd_sign_request(args: argparse.Namespace) -> int:
    """Sign as the unit the dossier names: the check refuses a request signed by anyone else."""
    import json

    from chalicelib.local.employer import ensure_demo_employer, sign_as_employer

    source = Path(args.pdf)
    if not source.is_file() or not source.read_bytes().startswith(b"%PDF-"):
        print(f"error: {source} is not a PDF", file=sys.stderr)
        return 2
    tax_code, name = args.tax_code, args.name
    if args.dossier:
        try:
            applicant = json.loads(Path(args.dossier).read_text(encoding="utf-8")).get("applicant") or {}
        except (OSError, ValueError, AttributeError) as error:
            print(f"error: cannot read the applicant of {args.dossier}: {error}", file=sys.stderr)
            return 2
        tax_code, name = tax_code or applicant.get("tax_code"), name or applicant.get("name")
    if not tax_code:
        print("error: give --tax-code (the applicant's) or --dossier with an applicant.tax_code", file=sys.stderr)
        return 2
    try:
        employer = ensure_demo_employer(_state_dir(), tax_code, name=name)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(sign_as_employer(source.read_bytes(), employer))
    print(f"signed as the local demo employer with tax code {tax_code}: {args.out}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Start the next `make run` empty: delete the emulator's data (dossiers, attachments, slips,
    audit, registry, claims, counters, queues, the KMS key). The CAs and the token secret stay, so
    tokens already given out still work; the registry demo is loaded again at the next start."""
    import json
    import shutil

    from chalicelib.local.serve import STACK_FILE
    from chalicelib.local.stack import aws_state_dir

    state = aws_state_dir(_state_dir())
    try:  # `make run` writes its pid there while it is up (a kill leaves the file, not the process)
        pid = int(json.loads((_state_dir() / STACK_FILE).read_text())["pid"])
        os.kill(pid, 0)
        print(f"error: the local stack is running (pid {pid}); stop `make run` (Ctrl-C) first", file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError):
        pass
    if not state.exists():
        print(f"nothing to reset: {state} does not exist")
        return 0
    if not args.yes:
        answer = (
            input(f"Delete every dossier, attachment, slip and audit entry kept in {state}? [y/N] ").strip().lower()
        )
        if answer not in ("y", "yes", "c", "có"):
            print("nothing deleted")
            return 1
    shutil.rmtree(state)
    print(f"deleted {state}: the next `make run` starts empty")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    state = _state_dir()
    os.environ.setdefault("MOTCUA_STATE_DIR", str(state))
    settings.cache_clear()
    from chalicelib.api.auth import issue_local_token

    if not (Path(os.environ["MOTCUA_STATE_DIR"]) / "jwt-secret").exists():
        print(
            f"note: no local stack has run with {os.environ['MOTCUA_STATE_DIR']} yet; the token is signed with a new secret there",
            file=sys.stderr,
        )

    try:
        print(
            issue_local_token(args.role, args.office, args.sub, ttl_seconds=args.hours * 3600, authority=args.authority)
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua", description="motcua: one-stop reception of online dossiers (BHXH)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the local stack in the foreground (what `make run` does)")
    p.add_argument(
        "--in-memory",
        action="store_true",
        help="keep nothing on disk (the stack starts empty and is lost when it stops)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="poll the pipeline queues of the running local stack")
    p.add_argument("--no-schedules", action="store_true", help="leave the scheduled sweeps to another worker")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("extract", help="OCR one attachment (PDF, PNG, JPEG, TIFF) and print what was read")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="the whole result as JSON")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("registry", help="the insurance registry of a stage (default: the running local stack)")
    registry_sub = p.add_subparsers(dest="registry_command", required=True)
    p = registry_sub.add_parser("load", help="load or update units and participants from CSV (idempotent)")
    p.add_argument("--units", help="CSV: unit_code,unit_name,tax_code,province_code")
    p.add_argument(
        "--participants",
        help="CSV: si_number,full_name,date_of_birth,id_number,unit_code,participation_from,participation_to "
        "[,unemployment_insurance,ui_benefit_from] (docs/procedures.md)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _stage_options(p, writes=True)
    p.set_defaults(func=cmd_registry_load)

    p = sub.add_parser("sweep", help="run the deadline sweep now (what the schedule does every 15 minutes)")
    p.add_argument("--as-of", help="pretend today is this date (YYYY-MM-DD; local stage only)")
    _stage_options(p, writes=True)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("calendar", help="the official working-day calendar every deadline is counted in")
    calendar_sub = p.add_subparsers(dest="calendar_command", required=True)
    p = calendar_sub.add_parser("add", help="the date N working days after DATE (as a receipt counts it)")
    p.add_argument("date", help="YYYY-MM-DD or DD/MM/YYYY")
    p.add_argument("n", help="working days, 0 to 250")
    p.set_defaults(func=cmd_calendar)
    p = calendar_sub.add_parser(
        "between", help="working days after A up to and including B (negative when B is earlier)"
    )
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    p = audit_sub.add_parser(
        "verify", help="check every entry's hash chain and the signed anchors; exit 1 when one is broken"
    )
    p.add_argument("--dossier", help="only this dossier id")
    _stage_options(p, writes=False)
    p.set_defaults(func=cmd_audit_verify)
    p = audit_sub.add_parser(
        "anchor", help="sign the chains' heads into the anchors bucket now (the sweep does hourly)"
    )
    p.set_defaults(func=cmd_audit_anchor)

    p = sub.add_parser("feedback", help="feedback (phản ánh, kiến nghị) received by other channels")
    feedback_sub = p.add_subparsers(dest="feedback_command", required=True)
    p = feedback_sub.add_parser(
        "import", help="import a file of JSON lines {portal_code, kind, content, contact, received_at}"
    )
    p.add_argument("file")
    p.set_defaults(func=cmd_feedback_import)

    p = sub.add_parser("dlq", help="the dead-letter queues")
    p.add_argument("action", choices=["list", "replay"])
    p.add_argument("--queue", choices=["extract", "check", "workflow"])
    _stage_options(p, writes=True)
    p.set_defaults(func=cmd_dlq)

    about = (
        "local stage: sign a PDF as the unit with a tax code (a certificate with UID=MST:<tax code> under the demo CA "
        "`make run` trusts); the tax code is required, given with --tax-code or read from --dossier"
    )
    p = sub.add_parser("sign-request", help=about, description=about)
    p.add_argument("pdf")
    p.add_argument("out")
    p.add_argument("--tax-code", help="the applicant's tax code (mã số thuế), e.g. 0201036976")
    p.add_argument("--dossier", help="a dossier JSON (the body of POST /v1/dossiers): its applicant's tax code, name")
    p.add_argument("--name", help="the unit's name in the certificate (CN), at first signing for this tax code")
    p.set_defaults(func=cmd_sign_request)

    p = sub.add_parser(
        "reset", help="delete the local stack's data so that the next `make run` starts empty (asks first)"
    )
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_reset)

    p = sub.add_parser("token", help="a bearer token for the local stage")
    p.add_argument("--role", required=True, choices=["portal", "clerk", "authority", "admin"])
    p.add_argument("--office", help="province code, e.g. 031 (clerk and authority)")
    p.add_argument(
        "--authority",
        help="for an authority: which body (province, social_policy_bank); it sees and decides only what is forwarded to it",
    )
    p.add_argument("--sub", help="subject (user id) in the token")
    p.add_argument("--hours", type=int, default=12, help="validity (default 12)")
    p.set_defaults(func=cmd_token)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
