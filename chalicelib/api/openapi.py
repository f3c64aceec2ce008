"""The client contract (API.md) as an OpenAPI 3.1 document, made from the routes themselves.

Why: a hand-kept copy of the paths drifts from what is served. Each route declares its `Operation`
on `endpoint()` (chalicelib/api/contracts.py); this module walks the app's routes and writes the
document from those and from the pydantic models that also shape the answers, so a route that is
served is documented, and a documented path is served.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.contracts import ErrorView, Operation
from chalicelib.domain.callbacks import PortalCallback

__all__ = ["OPERATION_ATTRIBUTE", "document"]

OPERATION_ATTRIBUTE = "operation"
"""The attribute of a route's view function that holds its `Operation` (set by `endpoint()`)."""

_SECURED_ATTRIBUTE = "secured"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _operation(path: str, op: Operation, secured: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in sorted(op.answers.items()):
        entry: dict[str, Any] = {"description": answer.description}
        if answer.model is not None:
            entry |= _json(answer.model)
        if answer.media:
            entry.setdefault("content", {}).update(
                {media: {"schema": schema} for media, schema in answer.media.items()}
            )
        if answer.headers:
            entry["headers"] = {h: {"schema": {"type": "string"}} for h in answer.headers}
        responses[str(status)] = entry
    for status in sorted({*((401, 403) if secured else ()), *op.errors}):
        responses[str(status)] = {"description": "error", **_json(ErrorView)}
    out: dict[str, Any] = {"summary": op.summary, "responses": responses}
    if secured:
        out["security"] = [{"bearer": []}]
    if isinstance(op.body, type):
        out["requestBody"] = {"required": True, "content": {m: {"schema": _ref(op.body)} for m in op.body_media}}
    elif op.body:
        out["requestBody"] = {"required": True, "content": {m: {"schema": s} for m, s in op.body.items()}}
    params = [
        {"name": name, "in": "path", "required": True, "schema": op.path_schemas.get(name, {"type": "string"})}
        for name in re.findall(r"{(\w+)}", path)
    ] + [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "schema": p.schema,
            **({"description": p.description} if p.description else {}),
        }
        for p in op.params
    ]
    if params:
        out["parameters"] = params
    return out


def operations(routes: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, Operation, bool]]:
    """(path, method, operation, secured) of every route; a route without an `Operation` is a fault."""
    found = []
    for path, methods in routes.items():
        for method, entry in methods.items():
            view = entry.view_function
            op = getattr(view, OPERATION_ATTRIBUTE, None)
            if not isinstance(op, Operation):
                raise TypeError(f"{method} {path} declares no Operation on endpoint()")
            found.append((path, method.lower(), op, bool(getattr(view, _SECURED_ATTRIBUTE, False))))
    return found


def document(routes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The OpenAPI document of `routes` (Chalice's `app.routes`)."""
    ops = operations(routes)
    bodies = {op.body for _, _, op, _ in ops if isinstance(op.body, type)}
    answers = {a.model for _, _, op, _ in ops for a in op.answers.values() if a.model is not None} | {ErrorView}
    models = sorted(bodies | answers | {PortalCallback}, key=lambda m: m.__name__)
    _, defs = models_json_schema(
        [(m, "validation" if m in bodies and m not in answers else "serialization") for m in models],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op, secured in ops:
        paths.setdefault(path, {})[method] = _operation(path, op, secured)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "motcua",
            "version": "1.0.0",
            "description": "One-stop reception of online dossiers at Vietnam Social Security (BHXH).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "webhooks": {
            "portalCallback": {
                "post": {
                    "summary": "A change of a dossier, pushed to the portal's callback URL: one audit entry per "
                    "request, in order, signed (HMAC-SHA256 over timestamp, nonce and body); `hash` and "
                    "`prev_hash` are the entry's place in BHXH's audit chain",
                    "requestBody": {"required": True, **_json(PortalCallback)},
                    "responses": {"200": {"description": "received (any 2xx); otherwise it is sent again later"}},
                }
            }
        },
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
