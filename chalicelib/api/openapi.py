"""The client contract (API.md) as an OpenAPI 3.1 document, with the schemas of every body.

Schemas come from the same pydantic models that validate and shape the bodies, so the document
cannot drift from what the code accepts and answers.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.contracts import ErrorView
from chalicelib.api.views import DocumentLink, DossierView, LookupView, WorkerListsView, WorklistView
from chalicelib.documents.slips import KIND_CODES
from chalicelib.domain.components import COMPONENTS
from chalicelib.domain.deadlines import DelayReport
from chalicelib.domain.dossier import CreateDossier, DecisionBody
from chalicelib.domain.media import ATTACHMENT_TYPES
from chalicelib.domain.procedures import PROCEDURES
from chalicelib.domain.states import Status

__all__ = ["document"]


class UploadRequest(BaseModel):
    name: str
    content_type: str
    size: int
    component: str | None = None
    """The dossier component(s) the file fulfils, comma-separated, as `?component=` of a direct upload."""


class UploadTicket(BaseModel):
    method: str
    url: str
    headers: dict[str, str]
    expires_in: int


class SlipIdentity(BaseModel):
    kind: str | None
    number: str | None
    portal_code: str | None


class Problem(BaseModel):
    code: str
    message: str


class Verification(BaseModel):
    valid: bool
    """The signature is intact and covers the whole file."""
    issued_by_system: bool
    """Signed by our key and byte for byte a slip we recorded."""
    signed_by_us: bool
    document: SlipIdentity
    signer: str | None = None
    signed_at: str | None = None
    covers_whole_file: bool | None = None
    problems: list[Problem]


class Health(BaseModel):
    status: str
    failing: list[str] | None = None


_MODELS: tuple[type[BaseModel], ...] = (
    CreateDossier, DecisionBody, DelayReport, DossierView, LookupView, WorklistView, WorkerListsView, DocumentLink, ErrorView, UploadRequest, UploadTicket, Health, Verification,
)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "error", **_json(ErrorView)} for s in statuses}


def _op(summary: str, ok: dict[str, Any], *, secured: bool = True, errors: tuple[int, ...] = (), body: dict[str, Any] | None = None, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**ok, **_errors(*((401, 403) if secured else ()), *errors)}}
    if secured:
        op["security"] = [{"bearer": []}]
    if body:
        op["requestBody"] = {"required": True, **body}
    if params:
        op["parameters"] = params
    return op


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    _, defs = models_json_schema([(m, "validation" if m in (CreateDossier, DecisionBody, DelayReport) else "serialization") for m in _MODELS], ref_template="#/components/schemas/{model}")
    dossier_ok = {"200": {"description": "the dossier", **_json(DossierView)}}
    binary = {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ATTACHMENT_TYPES}}
    decision = {"content": {"application/json": {"schema": _ref(DecisionBody)}}}
    paths = {
        "/v1/health": {"get": _op("the API and its stores answer", {"200": {"description": "ok", **_json(Health)}, "503": {"description": "a store is down", **_json(Health)}}, secured=False)},
        "/v1/openapi.json": {"get": _op("this document", {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}, secured=False)},
        "/v1/lookup/{portal_code}": {"get": _op("public status look-up, no personal data", {"200": {"description": "status and dates", **_json(LookupView)}}, secured=False, errors=(404,), params=[_path("portal_code")])},
        "/v1/verify": {
            "post": _op(
                "is this PDF a slip the system issued, unchanged?",
                {"200": {"description": "the verdict", **_json(Verification)}},
                secured=False,
                errors=(413, 422),
                body={"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            )
        },
        "/v1/dossiers/{dossier_id}/documents/{kind}": {
            "get": _op(
                "302 to a short-lived URL of the signed PDF; with `Accept: application/json`, its links instead",
                {
                    "302": {"description": "redirect to the PDF", "headers": {"Location": {"schema": {"type": "string"}}}},
                    "200": {"description": "download and preview links (Accept: application/json)", **_json(DocumentLink)},
                },
                errors=(404, 422),
                params=[_path("dossier_id"), {**_path("kind"), "schema": {"type": "string", "enum": list(KIND_CODES)}}],
            )
        },
        "/v1/dossiers": {
            "post": _op(
                "create a dossier (the same portal_code again answers 200 with the same dossier)",
                {"201": {"description": "created", **_json(DossierView)}, "200": {"description": "already known", **_json(DossierView)}},
                errors=(400, 413, 422),
                body=_json(CreateDossier),
            ),
            "get": _op(
                "the office's worklist, newest first",
                {"200": {"description": "one page", **_json(WorklistView)}},
                errors=(422,),
                params=[
                    _query("status", {"type": "string", "enum": [s.value for s in Status]}),
                    _query("procedure", {"type": "string", "enum": list(PROCEDURES)}),
                    _query("q", {"type": "string", "description": "a portal code or a unit code, exactly (its first 64 characters: a longer one is cut, not refused)"}),
                    _query("overdue", {"type": "boolean"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                    _query("next", {"type": "string"}),
                    _query("office", {"type": "string", "description": "admin only"}),
                ],
            ),
        },
        "/v1/dossiers/{dossier_id}": {"get": _op("status, findings, documents, history, due date", dossier_ok, errors=(404,), params=[_path("dossier_id")])},
        "/v1/dossiers/{dossier_id}/attachments/{name}": {
            "put": _op(
                "upload an attachment (up to 6 MB); the name is the portal's and means nothing: the declared component, "
                "else the content, says what the file is",
                dossier_ok, errors=(400, 404, 409, 413, 415, 422), body=binary,
                params=[_path("dossier_id"), _path("name"), _query("component", {
                    "type": "string", "pattern": "^[a-z_]+(,[a-z_]+)*$", "examples": ["worker_list", "request,worker_list"],
                    "description": "the dossier component(s) this file fulfils, comma-separated: "
                    + ", ".join(f"{c.code} ({c.title})" for c in COMPONENTS.values())
                    + "; a component the dossier's procedure does not know is a 400 unknown_component",
                })],
            )
        },
        "/v1/dossiers/{dossier_id}/uploads": {
            "post": _op("a presigned S3 URL for a file over 6 MB", {"201": {"description": "upload ticket", **_json(UploadTicket)}}, errors=(400, 404, 409, 415, 422), body=_json(UploadRequest), params=[_path("dossier_id")])
        },
        "/v1/dossiers/{dossier_id}/decision": {
            "post": _op("record the competent authority's result (authority or clerk of the office)", dossier_ok, errors=(400, 404, 409, 422), body=decision, params=[_path("dossier_id")])
        },
        "/v1/dossiers/{dossier_id}/worker-lists": {
            "get": _op("the typed list of workers beside each signed list as read, differences marked (clerk, authority)", {"200": {"description": "the lists", **_json(WorkerListsView)}}, errors=(404,), params=[_path("dossier_id")])
        },
        "/v1/dossiers/{dossier_id}/correction-request/resend": {
            "post": _op("send the applicant the latest correction request again, through the portal (clerk)", dossier_ok, errors=(404, 409), params=[_path("dossier_id")])
        },
        "/v1/dossiers/{dossier_id}/delay": {
            "post": _op(
                "the body holding the dossier says its step will be late, and why (authority for its own step, clerk): "
                "the apology (Mẫu 04) goes out in that body's name with one new appointment; a second lateness is flagged for the leader",
                dossier_ok, errors=(400, 404, 409, 422), body={"content": {"application/json": {"schema": _ref(DelayReport)}}}, params=[_path("dossier_id")],
            )
        },
        "/v1/dossiers/{dossier_id}/return": {
            "post": _op("the result was handed back: close the dossier with its control slip (clerk)", dossier_ok, errors=(404, 409), params=[_path("dossier_id")])
        },
        "/v1/stats": {
            "get": _op(
                "each body's steps against their own deadlines (on time, late, open, apologies, escalations) per procedure, body and ISO week the step began (clerk)",
                {"200": {"description": "counts", "content": {"application/json": {"schema": {"type": "object"}}}}},
                errors=(422,),
                params=[_query("office", {"type": "string", "description": "admin only"})],
            )
        },
        "/v1/dossiers/{dossier_id}/submit": {
            "post": _op("hand the dossier to the pipeline", {"202": {"description": "submitted", **_json(DossierView)}}, errors=(404, 409), params=[_path("dossier_id")])
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua", "version": "1.0.0", "description": "One-stop reception of online dossiers at Vietnam Social Security (BHXH)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": defs["$defs"], "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
