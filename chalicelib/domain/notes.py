"""What a step of a dossier's history says beside its status, as a code with its texts.

Why: the console, the control slip and the audit read these notes; a note in prose (or JSON in a
string, as the checks once wrote) makes every reader guess. A reader branches on `code` and
`params`; a person reads `message` (Vietnamese) or `message_en`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["HistoryNote", "NoteCode", "checked", "corrected", "decided", "forwarded", "in_words"]

NoteCode = Literal["checked", "forwarded", "decided", "corrected", "text"]
"""`text`: a note kept from before notes had codes (its words only)."""

_RESULTS = {"approved": ("Chấp thuận", "approved"), "denied": ("Không chấp thuận", "denied")}


class HistoryNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: NoteCode
    message: str
    """Vietnamese, for the clerk and the control slip."""
    message_en: str
    params: dict[str, str | int] = {}
    """What the texts say, for a reader that counts or links (`findings`, `authority`, `result`)."""


def checked(findings: int) -> HistoryNote:
    """The checks' outcome: how many problems they found."""
    return HistoryNote(
        code="checked",
        message=f"{findings} vấn đề" if findings else "Không có vấn đề",
        message_en=f"{findings} problem(s)" if findings else "No problem",
        params={"findings": findings},
    )


def forwarded(authority: str, name: str, how: str) -> HistoryNote:
    """Sent to the deciding authority, and by which channel (its API, or the office's inbox)."""
    return HistoryNote(
        code="forwarded",
        message=f"{name} ({how})",
        message_en=f"{authority} ({how})",
        params={"authority": authority, "channel": how},
    )


def decided(result: str, amount: float | None = None, note: str | None = None) -> HistoryNote:
    """The decision, whole: its result, amount and note go into the audit entry with it."""
    vi, en = _RESULTS.get(result, (result, result))
    params: dict[str, str | int] = {"result": result}
    if amount is not None:
        params["amount"] = str(amount)
    if note:
        params["note"] = note
    return HistoryNote(code="decided", message=vi, message_en=en, params=params)


def corrected() -> HistoryNote:
    """A corrected submission: the time limit counts again from it."""
    return HistoryNote(
        code="corrected",
        message="Hồ sơ đã bổ sung: thời gian giải quyết tính lại từ đầu",
        message_en="Corrected: the time limit counts again from this submission",
    )


def in_words(text: str) -> HistoryNote:
    """A note stored as plain words before notes had codes."""
    return HistoryNote(code="text", message=text, message_en=text)
