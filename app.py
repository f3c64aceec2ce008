"""motcua's routes and event handlers: parse, authorise, call one service, shape the reply.

Every route and trigger is on this page; the work is in `chalicelib/services`.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Rate, Request, Response

from chalicelib import tracing
from chalicelib.api import auth, console, public
from chalicelib.api.answers import shaped
from chalicelib.api.contracts import (
    SLIP_KIND,
    Answer,
    DocumentLink,
    DossierView,
    ErrorView,
    FeedbackListView,
    FeedbackPublicView,
    FeedbackReceipt,
    FeedbackView,
    Health,
    LookupView,
    Operation,
    Param,
    ProcedureListView,
    StatsView,
    UploadRequest,
    UploadTicket,
    Verification,
    WorkerListsView,
    WorklistView,
)
from chalicelib.api.errors import parse_json, response_for
from chalicelib.api.openapi import OPERATION_ATTRIBUTE, document
from chalicelib.api.views import dossier_view, feedback_list_view, feedback_view, lookup_view, worklist_view
from chalicelib.config import settings
from chalicelib.domain import actions
from chalicelib.domain.components import COMPONENTS
from chalicelib.domain.deadlines import DelayReport
from chalicelib.domain.dossier import CreateDossier, DecisionBody
from chalicelib.domain.feedback import Channel, FeedbackAnswer, NewFeedback
from chalicelib.domain.media import ATTACHMENT_TYPES
from chalicelib.domain.messages import StepMessage
from chalicelib.domain.procedures import PROCEDURES
from chalicelib.domain.states import Status
from chalicelib.errors import InvalidInput, TooLarge, TooManyRequests
from chalicelib.logs import logger
from chalicelib.services import anchoring, deadlines, documents, feedback, intake, pipeline, queries
from chalicelib.services import notify as portal_sync
from chalicelib.services import workflow as flow

app = Chalice(app_name="motcua")
deadlines.calendar()  # the cold start reads the calendar's override file: a bad line stops it, named
app.api.binary_types.extend(ATTACHMENT_TYPES)

# In AWS, API Gateway verifies tokens against the stage's Cognito user pool before the function
# runs (`scripts/package.py` points this authorizer at the stack's pool); locally `auth` does.
COGNITO = (
    CognitoUserPoolAuthorizer(
        "motcua-users", provider_arns=["arn:aws:cognito-idp:region:account:userpool/set-by-package"]
    )
    if settings().auth_mode == "cognito"
    else None
)

ANYONE: tuple[str, ...] = ()
PORTAL = ("portal",)
READERS = ("portal", "clerk", "authority")
BINARY = {"type": "string", "format": "binary"}
PDF = {"application/pdf": BINARY}
HTML = {"text/html": {"type": "string"}}
FILE = {
    "text/html": {"type": "string"},
    "text/css": {"type": "string"},
    "text/javascript": {"type": "string"},
    "application/json": {"type": "object"},
}
DOSSIER = Answer("the dossier", DossierView)


def endpoint(
    path: str, op: Operation, methods: tuple[str, ...] = ("GET",), roles: tuple[str, ...] = ANYONE
) -> Callable:
    """A route: `op` is its contract (the OpenAPI document is made from it, and every answer goes
    through the model of its status); `roles` names who may call it (empty: anyone, no token); errors
    a user can cause become `{"error": ...}` answers with their 4xx, never 500s."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handle(**params: str) -> Any:
            # a context of its own: what the request hides from the logs ends with it (logs.hide_from_now)
            return contextvars.copy_context().run(_handle, view, op, roles, params)

        setattr(handle, OPERATION_ATTRIBUTE, op)
        handle.secured = bool(roles)  # type: ignore[attr-defined]  # read by api/openapi.py
        return app.route(path, methods=list(methods), content_types=["*/*"], authorizer=_authorizer(roles))(handle)

    return decorate


def _authorizer(roles: tuple[str, ...]) -> Any:
    """None for a public route; every other route wants an access token with one of its scopes: the
    portal's client-credentials scope `motcua/portal` where the portal may call it, the console's
    `motcua/staff` where the staff may (the scope, and for the staff the claims the pool's trigger
    copies from their attributes, decide the role in `auth`). Why not ID tokens for the staff: API
    Gateway takes either ID tokens or access tokens on a route, and the portal has only the latter."""
    if not roles or COGNITO is None:
        return None
    scopes = [auth.MACHINE_SCOPE_OF["portal"]] if "portal" in roles else []
    scopes += [auth.STAFF_SCOPE] if set(roles) - {"portal"} else []
    return COGNITO.with_scopes(scopes)


def _handle(view: Callable[..., Any], op: Operation, roles: tuple[str, ...], params: dict[str, str]) -> Any:
    with tracing.subsegment(view.__name__):
        return shaped(op, _answer(view, roles, params))


def _answer(view: Callable[..., Any], roles: tuple[str, ...], params: dict[str, str]) -> Any:
    try:
        if roles:
            request = _request()
            principal = auth.authenticate(request.headers, request.context)
            auth.require_role(principal, roles)
            return view(principal, **params)
        return view(**params)
    except Exception as error:
        answer = response_for(error)
        if answer is None:
            raise
        return answer


def _request() -> Request:
    """The request being answered (Chalice sets it before a view runs)."""
    request = app.current_request
    if request is None:
        raise RuntimeError("no current request")
    return request


def _raw() -> bytes:
    body = _request().raw_body
    return body.encode() if isinstance(body, str) else (body or b"")


def _query() -> dict[str, str]:
    return dict(_request().query_params or {})


def _body() -> Any:
    return parse_json(_raw())


# -- public ------------------------------------------------------------------------------------
@endpoint(
    "/v1/health",
    Operation("the API and its stores answer", {200: Answer("ok", Health), 503: Answer("a store is down", Health)}),
)
def health() -> Response:
    report = queries.health()
    return Response(report, status_code=200 if report["status"] == "ok" else 503)


@endpoint(
    "/v1/procedures",
    Operation(
        "every procedure with its legal bases: title, submitter, components, deadlines per step, where it goes, "
        "and each rule with its article and whether it is confirmed",
        {200: Answer("the procedures", ProcedureListView)},
    ),
)
def procedures() -> Any:
    return queries.procedures()


@endpoint(
    "/v1/openapi.json",
    Operation("this document", {200: Answer("OpenAPI 3.1", media={"application/json": {"type": "object"}})}),
)
def openapi() -> Any:
    return _openapi()


@functools.lru_cache(maxsize=1)
def _openapi() -> dict[str, Any]:
    return document(app.routes)


@endpoint(
    "/v1/lookup/{portal_code}",
    Operation(
        "public status look-up, no personal data: JSON, or the page a slip's QR opens (`Accept: text/html`); "
        "with `so` and `ma` from the QR, whether that slip is genuine",
        {
            200: Answer("status and dates", LookupView, media=HTML),
            404: Answer("no such dossier", ErrorView, media=HTML),
        },
        params=(
            Param("so", {"type": "string"}, "a slip's number, as in its QR"),
            Param("ma", {"type": "string"}, "the slip's check code, as in its QR"),
        ),
    ),
)
def lookup(portal_code: str) -> Any:
    if not public.wants_html(_request().headers.get("accept")):
        return lookup_view(queries.by_portal_code(portal_code))
    dossier, slip = queries.public_standing(portal_code, _query().get("so"), _query().get("ma"))
    html, headers = public.lookup_page(dossier, slip)
    return Response(html, status_code=200 if dossier else 404, headers=headers)


@endpoint(
    "/v1/verify",
    Operation(
        "is this PDF a slip the system issued, unchanged? (the public page's form sends it as multipart/form-data and gets the answer as a page)",
        {200: Answer("the verdict", Verification, media=HTML)},
        body={**PDF, "multipart/form-data": {"type": "object", "properties": {"pdf": BINARY}}},
        errors=(413, 422),
    ),
    methods=("POST",),
)
def verify() -> Any:
    content_type = _request().headers.get("content-type") or ""
    page = public.wants_html(_request().headers.get("accept"))
    try:
        raw = documents.verifiable(_raw())
        data = public.form_file(raw, content_type) if content_type.startswith("multipart/form-data") else raw
        result = documents.verify(data)
    except (InvalidInput, TooLarge) as error:
        if not page:
            raise
        html, headers = public.refused_page(error.message_vi)
        return Response(html, status_code=413 if isinstance(error, TooLarge) else 422, headers=headers)
    if not page:
        return result
    html, headers = public.verify_page(result)
    return Response(html, headers=headers)


@endpoint(
    "/public/{name}",
    Operation(
        "the public pages' style sheet",
        {200: Answer("the file", media={"text/css": {"type": "string"}})},
        errors=(404,),
    ),
)
def public_file(name: str) -> Response:
    body, headers = public.asset(name)
    return Response(body, headers=headers)


# -- feedback (phản ánh, kiến nghị) ----------------------------------------------------------------
@endpoint(
    "/v1/feedback",
    Operation(
        "feedback on a dossier, from anyone (the public page's form, or JSON); with a portal or clerk token, "
        "feedback received by another channel; a code no dossier has is taken like any other",
        {201: Answer("taken: the code to follow it by", FeedbackReceipt, media=HTML)},
        body=NewFeedback,
        body_media=("application/json", "application/x-www-form-urlencoded"),
        errors=(400, 401, 413, 422, 429),
    ),
    methods=("POST",),
)
def send_feedback() -> Any:
    request = _request()
    page = public.wants_html(request.headers.get("accept"))
    form = (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded")
    try:
        body = public.form_fields(_raw()) if form else _body()
        item = feedback.submit(
            body, _channel(request), address=((request.context.get("identity") or {}).get("sourceIp"))
        )
    except (InvalidInput, TooManyRequests) as error:
        if not page:
            raise
        html, headers = public.refused_page(error.message_vi, "feedback")
        return Response(html, status_code=429 if isinstance(error, TooManyRequests) else 422, headers=headers)
    if page:
        html, headers = public.feedback_sent_page(item.code, item.answer_due)
        return Response(html, status_code=201, headers=headers)
    return Response(
        FeedbackReceipt.model_validate(item.model_dump()),
        status_code=201,
        headers={"Location": f"/v1/feedback/{item.code}"},
    )


def _channel(request: Request) -> Channel:
    """Who entered the item: a token of the portal or a clerk marks feedback received elsewhere."""
    if not any(k.lower() == "authorization" for k in request.headers):
        return "public"
    role = auth.authenticate(request.headers, request.context).role
    return "portal" if role == "portal" else "clerk" if role in ("clerk", "admin") else "public"


@endpoint(
    "/v1/feedback/{code}",
    Operation(
        "an item by its code: status and published answer, never the contact (JSON, or a page)",
        {200: Answer("the item", FeedbackPublicView, media=HTML)},
        errors=(404,),
    ),
)
def get_feedback(code: str) -> Any:
    item = feedback.public(code)
    if public.wants_html(_request().headers.get("accept")):
        html, headers = public.feedback_page(item)
        return Response(html, headers=headers)
    return item


@endpoint(
    "/v1/feedback",
    Operation(
        "the office's feedback, newest first, with due dates and overdue flags (clerk)",
        {200: Answer("the items", FeedbackListView)},
        errors=(422,),
        params=(Param("office", {"type": "string"}, "admin only"),),
    ),
    roles=("clerk",),
)
def list_feedback(principal: auth.Principal) -> Any:
    office = _office(principal)
    return feedback_list_view(feedback.of_office(office), feedback.counts(office))


@endpoint(
    "/v1/feedback/{code}/answer",
    Operation(
        "answer an item of the office, once; `publish` puts the answer on its public page (clerk)",
        {200: Answer("the item", FeedbackView)},
        body=FeedbackAnswer,
        errors=(400, 404, 409, 422),
    ),
    methods=("POST",),
    roles=("clerk",),
)
def answer_feedback(principal: auth.Principal, code: str) -> Any:
    item = feedback.answer(
        code, _body(), by=principal.label, office=principal.office if principal.role != "admin" else None
    )
    return feedback_view(item)


# -- the clerk console (static files; it calls the API below like any client) ------------------
@endpoint(
    "/console",
    Operation(
        "the clerk console (a page)",
        {200: Answer("the page", media=HTML), 301: Answer("to `/console/`", headers=("Location",))},
    ),
)
def console_page() -> Response:
    # `/console` and `/console/` reach this route; the page's relative links need the slash.
    if not _request().context.get("path", "/").endswith("/"):
        return Response("", status_code=301, headers={"Location": "console/"})
    body, headers = console.asset("index.html", frame_origin=documents.slips_origin())
    return Response(body, headers=headers)


@endpoint(
    "/console/{name}",
    Operation("the console's files, and its config.json", {200: Answer("the file", media=FILE)}, errors=(404,)),
)
def console_file(name: str) -> Response:
    if name == "config.json":
        return Response(console.config(), headers=console.security_headers("application/json"))
    body, headers = console.asset(name, frame_origin=documents.slips_origin())
    return Response(body, headers=headers)


# -- the portal --------------------------------------------------------------------------------
@endpoint(
    "/v1/dossiers",
    Operation(
        "create a dossier (the same portal_code again answers 200 with the same dossier)",
        {
            201: Answer("created", DossierView, headers=("Location",)),
            200: Answer("already known", DossierView, headers=("Location",)),
        },
        body=CreateDossier,
        errors=(400, 413, 422),
    ),
    methods=("POST",),
    roles=PORTAL,
)
def create_dossier(principal: auth.Principal) -> Response:
    dossier, created = intake.create_dossier(_body(), by=principal.label)
    return Response(
        dossier_view(dossier), status_code=201 if created else 200, headers={"Location": f"/v1/dossiers/{dossier.id}"}
    )


@endpoint(
    "/v1/dossiers/{dossier_id}/attachments/{name}",
    Operation(
        "upload an attachment (up to 6 MB); the name is the portal's and means nothing: the declared component, "
        "else the content, says what the file is",
        {200: DOSSIER},
        body=dict.fromkeys(ATTACHMENT_TYPES, BINARY),
        errors=(400, 404, 409, 413, 415, 422),
        params=(
            Param(
                "component",
                {
                    "type": "string",
                    "pattern": "^[a-z_]+(,[a-z_]+)*$",
                    "examples": ["worker_list", "request,worker_list"],
                },
                "the dossier component(s) this file fulfils, comma-separated: "
                + ", ".join(f"{c.code} ({c.title})" for c in COMPONENTS.values())
                + "; a component the dossier's procedure does not know is a 400 unknown_component",
            ),
        ),
    ),
    methods=("PUT",),
    roles=PORTAL,
)
def put_attachment(principal: auth.Principal, dossier_id: str, name: str) -> Any:
    request = _request()
    component = _query().get("component")
    # a path parameter may reach the function still percent-encoded ("danh%20sach.pdf"); a name never holds "%"
    dossier = intake.put_attachment(dossier_id, unquote(name), request.headers.get("content-type"), _raw(), component)
    return dossier_view(dossier)


@endpoint(
    "/v1/dossiers/{dossier_id}/uploads",
    Operation(
        "a presigned S3 URL for a file over 6 MB",
        {201: Answer("upload ticket", UploadTicket)},
        body=UploadRequest,
        errors=(400, 404, 409, 415, 422),
    ),
    methods=("POST",),
    roles=PORTAL,
)
def upload_ticket(principal: auth.Principal, dossier_id: str) -> Response:
    return Response(intake.upload_ticket(dossier_id, _body()), status_code=201)


@endpoint(
    "/v1/dossiers/{dossier_id}/submit",
    Operation("hand the dossier to the pipeline", {202: Answer("submitted", DossierView)}, errors=(404, 409)),
    methods=("POST",),
    roles=PORTAL,
)
def submit(principal: auth.Principal, dossier_id: str) -> Response:
    return Response(dossier_view(intake.submit(dossier_id, by=principal.label)), status_code=202)


# -- portal, clerks, authorities ---------------------------------------------------------------
@endpoint(
    "/v1/dossiers/{dossier_id}",
    Operation(
        "status, findings, documents, history, due date, and the actions the caller may take now",
        {200: DOSSIER},
        errors=(404,),
    ),
    roles=READERS,
)
def get_dossier(principal: auth.Principal, dossier_id: str) -> Any:
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier, READERS)
    return dossier_view(dossier, principal.role)


@endpoint(
    "/v1/dossiers/{dossier_id}/documents/{kind}",
    Operation(
        "302 to a short-lived URL of the signed PDF; with `Accept: application/json`, its links instead",
        {
            302: Answer("redirect to the PDF", headers=("Location",)),
            200: Answer("download and preview links (Accept: application/json)", DocumentLink),
        },
        errors=(404, 422),
        path_schemas={"kind": SLIP_KIND},
    ),
    roles=("portal", "clerk"),
)
def get_document(principal: auth.Principal, dossier_id: str, kind: str) -> Response:
    """302 to the signed PDF; with `Accept: application/json`, its links (a page cannot read a
    cross-origin redirect)."""
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier, ("portal", "clerk"))
    if "application/json" in (_request().headers.get("accept") or ""):
        return Response(documents.document_link(dossier, kind), headers={"Cache-Control": "no-store"})
    return Response(
        "", status_code=302, headers={"Location": documents.download_url(dossier, kind), "Cache-Control": "no-store"}
    )


@endpoint(
    "/v1/dossiers/{dossier_id}/worker-lists",
    Operation(
        "the typed list of workers beside each signed list as read, differences marked (clerk, authority)",
        {200: Answer("the lists", WorkerListsView)},
        errors=(404,),
    ),
    roles=("clerk", "authority"),
)
def worker_lists(principal: auth.Principal, dossier_id: str) -> Any:
    """The typed list of workers beside each signed list as it was read, differences marked."""
    dossier = queries.dossier(dossier_id)
    auth.require_dossier_access(principal, dossier, ("clerk", "authority"))
    return queries.worker_lists(dossier)


@endpoint(
    "/v1/dossiers/{dossier_id}/decision",
    Operation(
        "record the competent authority's result (authority or clerk of the office)",
        {200: DOSSIER},
        body=DecisionBody,
        errors=(400, 404, 409, 422),
    ),
    methods=("POST",),
    roles=actions.ROLES["decide"],
)
def record_decision(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id), actions.ROLES["decide"])
    decided = flow.record_decision(dossier_id, _body(), by=principal.label, for_authority=principal.role != "authority")
    return dossier_view(decided, principal.role)


@endpoint(
    "/v1/dossiers/{dossier_id}/delay",
    Operation(
        "the body holding the dossier says its step will be late, and why (authority for its own step, clerk): "
        "the apology (Mẫu 04) goes out in that body's name with one new appointment; a second lateness is flagged for the leader",
        {200: DOSSIER},
        body=DelayReport,
        errors=(400, 404, 409, 422),
    ),
    methods=("POST",),
    roles=actions.ROLES["report_delay"],
)
def report_delay(principal: auth.Principal, dossier_id: str) -> Any:
    """The body holding the dossier says it will be late and why: the apology (Mẫu 04) goes out in its name."""
    auth.require_dossier_access(principal, queries.dossier(dossier_id), actions.ROLES["report_delay"])
    return dossier_view(flow.report_delay(dossier_id, _body(), by=principal.label, role=principal.role), principal.role)


@endpoint(
    "/v1/dossiers/{dossier_id}/correction-request/resend",
    Operation(
        "send the applicant the latest correction request again, through the portal (clerk)",
        {200: DOSSIER},
        errors=(404, 409),
    ),
    methods=("POST",),
    roles=actions.ROLES["resend_correction_request"],
)
def resend_correction_request(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id), actions.ROLES["resend_correction_request"])
    return dossier_view(flow.resend_correction_request(dossier_id, by=principal.label), principal.role)


@endpoint(
    "/v1/dossiers/{dossier_id}/return",
    Operation(
        "the result was handed back: close the dossier with its control slip (clerk)", {200: DOSSIER}, errors=(404, 409)
    ),
    methods=("POST",),
    roles=actions.ROLES["return"],
)
def mark_returned(principal: auth.Principal, dossier_id: str) -> Any:
    auth.require_dossier_access(principal, queries.dossier(dossier_id), actions.ROLES["return"])
    return dossier_view(flow.mark_returned(dossier_id, by=principal.label), principal.role)


@endpoint(
    "/v1/dossiers",
    Operation(
        "the office's worklist, newest first",
        {200: Answer("one page", WorklistView)},
        errors=(422,),
        params=(
            Param("status", {"type": "string", "enum": [s.value for s in Status]}),
            Param("procedure", {"type": "string", "enum": list(PROCEDURES)}),
            Param(
                "q",
                {"type": "string"},
                "a portal code or a unit code, exactly (its first 64 characters: a longer one is cut, not refused)",
            ),
            Param("overdue", {"type": "boolean"}),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
            Param("next", {"type": "string"}),
            Param("office", {"type": "string"}, "admin only"),
        ),
    ),
    roles=("clerk", "authority"),
)
def worklist(principal: auth.Principal) -> Any:
    """A clerk's worklist, or an authority's inbox (the dossiers of its office forwarded to its own
    body; forwarded ones by default)."""
    params = _query()
    office = _office(principal)
    default = "forwarded" if principal.role == "authority" else None
    items, cursor = queries.worklist(
        office,
        status=_status(params.get("status", default)),
        overdue=_flag(params.get("overdue")),
        limit=_limit(params.get("limit")),
        cursor=params.get("next"),
        procedure=_procedure(params.get("procedure")),
        search=(params.get("q") or "").strip()[:64] or None,
        forwarded_to=principal.authority,
    )
    return worklist_view(items, cursor)


@endpoint(
    "/v1/stats",
    Operation(
        "the office's on-time and late counts per procedure and ISO week of reception (clerk)",
        {200: Answer("counts", StatsView)},
        errors=(422,),
        params=(Param("office", {"type": "string"}, "admin only"),),
    ),
    roles=("clerk",),
)
def stats(principal: auth.Principal) -> Any:
    office = _office(principal)
    return queries.stats(office)


def _office(principal: auth.Principal) -> str:
    """The caller's own office, or for an admin the one it names (`?office=031`)."""
    office = principal.office if principal.role != "admin" else _query().get("office")
    if not office:
        raise InvalidInput("office_required", "Cần tham số office.", "An admin must name the office (?office=031).")
    return office


def _status(value: str | None) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput(
            "invalid_status", "Trạng thái không hợp lệ.", f"status must be one of {', '.join(Status)}."
        ) from None


def _procedure(value: str | None) -> str | None:
    if not value:
        return None
    if value not in PROCEDURES:
        raise InvalidInput(
            "unknown_procedure", "Thủ tục không hợp lệ.", f"procedure must be one of {', '.join(PROCEDURES)}."
        )
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
                contextvars.copy_context().run(step, message)  # what the step hides from the logs ends with it
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
    return {
        "requeued": intake.requeue_stuck(),
        "overdue": flow.sweep_deadlines(),
        "notifying": portal_sync.catch_up(),
        "anchored": anchoring.anchor(),  # the audit chains' heads, signed, to the locked bucket (hourly)
    }
