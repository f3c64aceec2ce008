"""motcua's routes and event handlers: parse, authorise, call one service, shape the reply.

Every route and trigger is on this page; the work is in `chalicelib/services`.
"""
from __future__ import annotations

import functools
from typing import Any, Callable
from urllib.parse import unquote

from chalice import Chalice, CognitoUserPoolAuthorizer, Rate, Response

from chalicelib import tracing
from chalicelib.api import auth, console
from chalicelib.api.errors import parse_json, response_for
from chalicelib.api.views import dossier_view, lookup_view, worklist_view
from chalicelib.config import settings
from chalicelib.domain.media import ATTACHMENT_TYPES
from chalicelib.domain.messages import StepMessage
from chalicelib.domain.procedures import PROCEDURES
from chalicelib.domain.states import Status
from chalicelib.errors import InvalidInput
from chalicelib.logs import logger
from chalicelib.services import deadlines, documents, intake, pipeline, queries
from chalicelib.services import notify as portal_sync
from chalicelib.services import workflow as flow

app = Chalice(app_name="motcua")
deadlines.calendar()  # the cold start reads the calendar's override file: a bad line stops it, named
app.api.binary_types.extend(ATTACHMENT_TYPES)

# In AWS, API Gateway verifies tokens against the stage's Cognito user pool before the function
# runs (`scripts/package.py` points this authorizer at the stack's pool); locally `auth` does.
COGNITO = CognitoUserPoolAuthorizer("motcua-users", provider_arns=["arn:aws:cognito-idp:region:account:userpool/set-by-package"]) if settings().auth_mode == "cognito" else None

ANYONE: tuple[str, ...] = ()
PORTAL = ("portal",)
READERS = ("portal", "clerk", "authority")


def endpoint(path: str, methods: tuple[str, ...] = ("GET",), roles: tuple[str, ...] = ANYONE) -> Callable:
    """A route: `roles` names who may call it (empty: anyone, no token); errors a user can cause
    become `{"error": ...}` answers with their 4xx, never 500s."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handle(**params: str) -> Any:
            with tracing.subsegment(view.__name__):
                return _answer(view, roles, params)

        return app.route(path, methods=list(methods), content_types=["*/*"], authorizer=COGNITO if roles else None)(handle)

    return decorate


def _answer(view: Callable[..., Any], roles: tuple[str, ...], params: dict[str, str]) -> Any:
    try:
        if roles:
            request = app.current_request
            principal = auth.authenticate(request.headers, request.context)
            auth.require_role(principal, roles)
            return view(principal, **params)
        return view(**params)
    except Exception as error:  # noqa: BLE001 - user errors are answers; faults re-raise
        answer = response_for(error)
        if answer is None:
            raise
        return answer


def _body() -> Any:
    return parse_json(app.current_request.raw_body)


# -- public ------------------------------------------------------------------------------------
@endpoint("/v1/health")
def health() -> Response:
    report = queries.health()
    return Response(report, status_code=200 if report["status"] == "ok" else 503)


@endpoint("/v1/openapi.json")
def openapi() -> Any:
    from chalicelib.api.openapi import document

    return document()


@endpoint("/v1/lookup/{portal_code}")
def lookup(portal_code: str) -> Any:
    return lookup_view(queries.by_portal_code(portal_code))


@endpoint("/v1/verify", methods=("POST",))
def verify() -> Any:
    return documents.verify(app.current_request.raw_body or b"")


# -- the clerk console (static files; it calls the API below like any client) ------------------
@endpoint("/console")
def console_page() -> Response:
    # `/console` and `/console/` reach this route; the page's relative links need the slash.
    if not app.current_request.context.get("path", "/").endswith("/"):
        return Response("", status_code=301, headers={"Location": "console/"})
    body, headers = console.asset("index.html", frame_origin=documents.slips_origin())
    return Response(body, headers=headers)


@endpoint("/console/{name}")
def console_file(name: str) -> Response:
    if name == "config.json":
        return Response(console.config(), headers=console.security_headers("application/json"))
    body, headers = console.asset(name, frame_origin=documents.slips_origin())
    return Response(body, headers=headers)


# -- the portal --------------------------------------------------------------------------------
@endpoint("/v1/dossiers", methods=("POST",), roles=PORTAL)
def create_dossier(principal: auth.Principal) -> Response:
    dossier, created = intake.create_dossier(_body(), by=principal.label)
    return Response(dossier_view(dossier), status_code=201 if created else 200, headers={"Location": f"/v1/dossiers/{dossier.id}"})


@endpoint("/v1/dossiers/{dossier_id}/attachments/{name}", methods=("PUT",), roles=PORTAL)
def put_attachment(principal: auth.Principal, dossier_id: str, name: str) -> Any:
    request = app.current_request
    component = (request.query_params or {}).get("component")
    # a path parameter may reach the function still percent-encoded ("danh%20sach.pdf"); a name never holds "%"
    dossier = intake.put_attachment(dossier_id, unquote(name), request.headers.get("content-type"), request.raw_body or b"", component)
    return dossier_view(dossier)


@endpoint("/v1/dossiers/{dossier_id}/uploads", methods=("POST",), roles=PORTAL)
def upload_ticket(principal: auth.Principal, dossier_id: str) -> Response:
    return Response(intake.upload_ticket(dossier_id, _body()), status_code=201)


@endpoint("/v1/dossiers/{dossier_id}/submit", methods=("POST",), roles=PORTAL)
def submit(principal: auth.Principal, dossier_id: str) -> Response:
    return Response(dossier_view(intake.submit(dossier_id, by=principal.label)), status_code=202)


# -- portal, clerks, authorities ---------------------------------------------------------------
@endpoint("/v1/dossiers/{dossier_id}", roles=READERS)
def get_dossier(principal: auth.Principal, dossier_id: str) -> Any:
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier.office, READERS)
    return dossier_view(dossier)


@endpoint("/v1/dossiers/{dossier_id}/documents/{kind}", roles=("portal", "clerk"))
def get_document(principal: auth.Principal, dossier_id: str, kind: str) -> Response:
    """302 to the signed PDF; with `Accept: application/json`, its links (a page cannot read a
    cross-origin redirect)."""
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier.office, ("portal", "clerk"))
    if "application/json" in (app.current_request.headers.get("accept") or ""):
        return Response(documents.document_link(dossier, kind), headers={"Cache-Control": "no-store"})
    return Response("", status_code=302, headers={"Location": documents.download_url(dossier, kind), "Cache-Control": "no-store"})


@endpoint("/v1/dossiers/{dossier_id}/worker-lists", roles=("clerk", "authority"))
def worker_lists(principal: auth.Principal, dossier_id: str) -> Any:
    """The typed list of workers beside each signed list as it was read, differences marked."""
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier.office, ("clerk", "authority"))
    return queries.worker_lists(dossier)


@endpoint("/v1/dossiers/{dossier_id}/decision", methods=("POST",), roles=("authority", "clerk"))
def record_decision(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id).office, ("authority", "clerk"))
    return dossier_view(flow.record_decision(dossier_id, _body(), by=principal.label))


@endpoint("/v1/dossiers/{dossier_id}/delay", methods=("POST",), roles=("authority", "clerk"))
def report_delay(principal: auth.Principal, dossier_id: str) -> Any:
    """The body holding the dossier says it will be late and why: the apology (Mẫu 04) goes out in its name."""
    auth.require_dossier_access(principal, queries.dossier(dossier_id).office, ("authority", "clerk"))
    return dossier_view(flow.report_delay(dossier_id, _body(), by=principal.label, role=principal.role))


@endpoint("/v1/dossiers/{dossier_id}/correction-request/resend", methods=("POST",), roles=("clerk",))
def resend_correction_request(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id).office, ("clerk",))
    return dossier_view(flow.resend_correction_request(dossier_id, by=principal.label))


@endpoint("/v1/dossiers/{dossier_id}/return", methods=("POST",), roles=("clerk",))
def mark_returned(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id).office, ("clerk",))
    return dossier_view(flow.mark_returned(dossier_id, by=principal.label))


@endpoint("/v1/dossiers", roles=("clerk", "authority"))
def worklist(principal: auth.Principal) -> Any:
    """A clerk's worklist, or an authority's inbox (its office's forwarded dossiers by default)."""
    params = app.current_request.query_params or {}
    office = principal.office if principal.role != "admin" else params.get("office")
    if not office:
        raise InvalidInput("office_required", "Cần tham số office.", "An admin must name the office (?office=031).")
    default = "forwarded" if principal.role == "authority" else None
    items, cursor = queries.worklist(
        office,
        status=_status(params.get("status", default)),
        overdue=_flag(params.get("overdue")),
        limit=_limit(params.get("limit")),
        cursor=params.get("next"),
        procedure=_procedure(params.get("procedure")),
        search=(params.get("q") or "").strip()[:64] or None,
    )
    return worklist_view(items, cursor)


@endpoint("/v1/stats", roles=("clerk",))
def stats(principal: auth.Principal) -> Any:
    office = principal.office if principal.role != "admin" else (app.current_request.query_params or {}).get("office")
    if not office:
        raise InvalidInput("office_required", "Cần tham số office.", "An admin must name the office (?office=031).")
    return queries.stats(office)


def _status(value: str | None) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput("invalid_status", "Trạng thái không hợp lệ.", f"status must be one of {', '.join(Status)}.") from None


def _procedure(value: str | None) -> str | None:
    if not value:
        return None
    if value not in PROCEDURES:
        raise InvalidInput("unknown_procedure", "Thủ tục không hợp lệ.", f"procedure must be one of {', '.join(PROCEDURES)}.")
    return value


def _flag(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise InvalidInput("invalid_overdue", "Tham số overdue phải là true hoặc false.", "overdue must be true or false.")


def _limit(value: str | None) -> int:
    if value is None:
        return 50
    if not value.isdigit() or not 1 <= int(value) <= 200:
        raise InvalidInput("invalid_limit", "limit phải từ 1 đến 200.", "limit must be 1 to 200.")
    return int(value)


# -- queues and schedules ----------------------------------------------------------------------
def _run_batch(event: Any, step: Callable[[StepMessage], None]) -> dict[str, Any]:
    """Run `step` for each record; report the ones that failed so only they come back (and, after
    the queue's maxReceiveCount, land in its DLQ)."""
    failures = []
    for record in event:
        message_id = record.to_dict()["messageId"]
        try:
            message = StepMessage.from_json(record.body)
        except ValueError as error:  # it will never succeed: straight on its way to the DLQ
            logger().error("malformed message", extra={"message_id": message_id, "problem": str(error)})
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            with tracing.subsegment(step.__name__):
                step(message)
        except Exception:  # noqa: BLE001 - one bad record must not fail its batch
            logger().exception("step failed", extra={"message_id": message_id, "queue": step.__name__})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


@app.on_sqs_message(queue=settings().name("extract"), batch_size=1)
def extract(event: Any) -> dict[str, Any]:
    return _run_batch(event, pipeline.extract_step)


@app.on_sqs_message(queue=settings().name("check"), batch_size=5)
def check(event: Any) -> dict[str, Any]:
    return _run_batch(event, pipeline.check_step)


@app.on_sqs_message(queue=settings().name("workflow"), batch_size=5)
def workflow(event: Any) -> dict[str, Any]:
    return _run_batch(event, flow.workflow_step)


@app.on_sqs_message(queue=settings().name("notify"), batch_size=10)
def notify(event: Any) -> dict[str, Any]:
    return _run_batch(event, portal_sync.notify_step)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def sweep(event: Any) -> dict[str, Any]:
    return {"requeued": intake.requeue_stuck(), "overdue": flow.sweep_deadlines(), "notifying": portal_sync.catch_up()}
