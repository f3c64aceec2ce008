"""Every answer through the model its route declares, so what is sent is what is documented."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pydantic import BaseModel

from chalicelib.api.contracts import Operation

__all__ = ["shaped"]


def _dump(model: type[BaseModel] | None, body: Any) -> Any:
    """A body through `model`: a domain object or a dict keeps only what the model declares."""
    if isinstance(body, BaseModel) and (model is None or type(body) is model):
        return body.model_dump(mode="json")
    if model is not None and isinstance(body, (dict, BaseModel)):
        data = body.model_dump() if isinstance(body, BaseModel) else body
        return model.model_validate(data).model_dump(mode="json")
    return body


def shaped(op: Operation, result: Any) -> Any:
    """A view's result as sent: a model or dict through the model of its status (200 unless a
    `Response` says otherwise); error answers are already in the one error shape."""
    if isinstance(result, Response):
        answer = op.answers.get(result.status_code)
        if answer is not None:
            result.body = _dump(answer.model, result.body)
        return result
    answer = op.answers.get(200)
    return _dump(answer.model if answer else None, result)
