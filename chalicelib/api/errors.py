"""Domain errors to HTTP, in one place: `{"error": {"code", "message", "message_en"}}`."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.api.auth import Forbidden, Unauthorized
from chalicelib.api.contracts import error_body

__all__ = ["error_response", "parse_json", "response_for"]

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (errors.Malformed, 400),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooLarge, 413),
    (errors.UnsupportedMedia, 415),
    (errors.TooManyRequests, 429),
    (errors.InvalidInput, 422),
)


def error_response(
    status: int, code: str, message: str, message_en: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        body=error_body(code, message, message_en, details),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def response_for(error: Exception) -> Response | None:
    """The HTTP answer for an error a user can cause, or None for a real fault (a 500)."""
    if isinstance(error, Unauthorized):
        return error_response(
            401,
            "unauthorized",
            "Thiếu hoặc sai mã xác thực (Bearer token).",
            "Missing or invalid bearer token.",
            headers={"WWW-Authenticate": 'Bearer realm="motcua"'},
        )
    if isinstance(error, Forbidden):
        return error_response(
            403, "forbidden", "Tài khoản không có quyền thực hiện thao tác này.", "This role or office may not do this."
        )
    for cls, status in _STATUS:
        if isinstance(error, cls):
            assert isinstance(error, errors.MotcuaError)
            return error_response(status, error.code, error.message_vi, error.message_en, error.details)
    return None


def parse_json(raw: bytes | None) -> Any:
    if not raw:
        raise errors.Malformed(
            "empty_body", "Thiếu nội dung yêu cầu (JSON).", "The request body is empty; JSON expected."
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise errors.Malformed(
            "malformed_json", "Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON."
        ) from None
