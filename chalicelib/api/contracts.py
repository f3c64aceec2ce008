"""The shapes on the wire that every answer shares, declared once.

Why: the app, the local server's own answers (a body too large, a method no route takes, the local
portal stand-in) and the OpenAPI document must give a client the same error shape; each builds it
from `ErrorView` here rather than writing the dict again.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

__all__ = ["ErrorBody", "ErrorView", "error_body", "error_json"]


class ErrorBody(BaseModel):
    code: str
    """Stable and machine-readable (`missing_attachment`, `not_found`); clients branch on it."""
    message: str
    """Vietnamese, for the person who reads it."""
    message_en: str
    details: Any = None


class ErrorView(BaseModel):
    error: ErrorBody


def error_body(code: str, message: str, message_en: str, details: Any = None) -> dict[str, Any]:
    """`{"error": {...}}`, `details` only when there are some."""
    return ErrorView(error=ErrorBody(code=code, message=message, message_en=message_en, details=details)).model_dump(
        exclude_none=True)


def error_json(code: str, message: str, message_en: str, details: Any = None) -> bytes:
    return json.dumps(error_body(code, message, message_en, details), ensure_ascii=False).encode()
