"""Errors a user can cause, as values with a code and a message in Vietnamese and English.

Services raise these; `chalicelib.api.errors` turns each class into one HTTP status in one place.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConcurrentUpdate",
    "Conflict",
    "InvalidInput",
    "Malformed",
    "MotcuaError",
    "NotFound",
    "TooLarge",
    "UnsupportedMedia",
]


class MotcuaError(Exception):
    code = "error"

    def __init__(self, code: str, message_vi: str, message_en: str, details: Any = None) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details


class NotFound(MotcuaError):
    def __init__(self, what: str = "dossier") -> None:
        names = {
            "dossier": "hồ sơ",
            "document": "giấy tờ",
            "attachment": "tệp đính kèm",
            "console_file": "tệp của giao diện",
            "public_file": "tệp",
            "feedback": "phản ánh, kiến nghị",
        }
        super().__init__(f"{what}_not_found", f"Không tìm thấy {names.get(what, what)}.", f"No such {what}.")


class Conflict(MotcuaError):
    """The request is well formed but contradicts where the dossier stands."""


class InvalidInput(MotcuaError):
    """The body or a parameter breaks a rule of the contract."""


class Malformed(InvalidInput):
    """The body cannot even be read (not JSON, not an object)."""


class TooLarge(MotcuaError):
    pass


class TooManyRequests(MotcuaError):
    """One address sent more than a person would in the time (feedback): 429, try later."""


class UnsupportedMedia(MotcuaError):
    pass


class ConcurrentUpdate(Exception):
    """Someone saved the dossier in between; read it again and retry the step."""
