"""Feedback on dossiers (phản ánh, kiến nghị): taken from anyone, answered by the office's clerk.

Why these guards: the form is public. A code that no dossier has is taken like any other (a sender
cannot probe which codes exist); a bot that fills the hidden field gets the same answer and nothing
is stored; one address may send a few items in a while, then 429. In AWS the gateway's throttling
and a WAF rate rule stand in front (docs/decisions.md); the count here is per running function.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chalicelib.adapters.feedback import feedback_store
from chalicelib.adapters.store import store
from chalicelib.domain.dossier import utcnow
from chalicelib.domain.feedback import Channel, Feedback, FeedbackAnswer, NewFeedback, due_dates, new_code
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound, TooManyRequests
from chalicelib.logs import logger
from chalicelib.services import documents

__all__ = ["NO_OFFICE", "PER_ADDRESS", "answer", "counts", "import_file", "of_office", "public", "submit"]

PER_ADDRESS = (5, 600.0)
"""At most 5 items from one address in 10 minutes."""
NO_OFFICE = "none"
"""The office of an item whose dossier code is unknown: kept, in nobody's queue (the sender is not told)."""

_sent: dict[str, deque[float]] = {}
_lock = threading.Lock()


def _throttle(address: str | None) -> None:
    if not address:
        return
    limit, window = PER_ADDRESS
    now = time.monotonic()
    with _lock:
        times = _sent.setdefault(address, deque())
        while times and now - times[0] > window:
            times.popleft()
        if len(times) >= limit:
            raise TooManyRequests(
                "too_many_feedback",
                "Đã gửi quá nhiều phản ánh; xin thử lại sau ít phút.",
                "Too many feedback items from this address; try again in a few minutes.",
            )
        times.append(now)


def _parse(body: Any) -> NewFeedback:
    if not isinstance(body, dict):
        raise InvalidInput(
            "invalid_body",
            "Cần một đối tượng JSON {portal_code, kind, content, contact}.",
            "Expected a JSON object {portal_code, kind, content, contact}.",
        )
    try:
        return NewFeedback.model_validate(body)
    except ValidationError as error:
        from chalicelib.services.intake import validation_details

        raise InvalidInput(
            "invalid_feedback",
            "Phản ánh chưa hợp lệ (mã hồ sơ, nội dung tối đa 2 000 ký tự).",
            "The feedback is not valid.",
            validation_details(error),
        ) from None


def submit(body: Any, channel: Channel, address: str | None = None, received_at: datetime | None = None) -> Feedback:
    """Take one item; its office is its dossier's. A honeypot hit answers the same and keeps nothing."""
    wanted = _parse(body)
    if channel == "public":
        _throttle(address)
    try:
        office = store().get_by_portal_code(wanted.portal_code).office
    except NotFound:
        office = NO_OFFICE
    at = received_at or utcnow()
    accept_due, answer_due = due_dates(documents.calendar(), at)
    item = Feedback(
        code=new_code(office if office != NO_OFFICE else "000", at),
        portal_code=wanted.portal_code,
        office=office,
        kind=wanted.kind,
        content=wanted.content,
        contact=wanted.contact,
        channel=channel,
        received_at=at,
        accept_due=accept_due,
        answer_due=answer_due,
    )
    if wanted.website:
        logger().info("feedback honeypot filled", extra={"channel": channel})
        return item
    feedback_store().add(item)
    logger().info("feedback received", extra={"feedback_code": item.code, "office": office, "channel": channel})
    return item


def of_office(office: str) -> list[Feedback]:
    return feedback_store().of_office(office)


def counts(office: str) -> dict[str, int]:
    """Open and overdue items of the office, for the worklist and the figures."""
    today = datetime.now(VIETNAM_TZ).date()
    items = of_office(office)
    return {
        "open": sum(1 for i in items if i.status != "answered"),
        "overdue": sum(1 for i in items if i.overdue(today)),
        "answered": sum(1 for i in items if i.status == "answered"),
    }


def answer(code: str, body: Any, by: str, office: str | None) -> Feedback:
    """The clerk's answer, once; `office` None for an admin (any office)."""
    if not isinstance(body, dict):
        raise InvalidInput(
            "invalid_body", "Cần một đối tượng JSON {answer, publish}.", "Expected a JSON object {answer, publish}."
        )
    try:
        given = FeedbackAnswer.model_validate(body)
    except ValidationError as error:
        from chalicelib.services.intake import validation_details

        raise InvalidInput(
            "invalid_answer",
            "Câu trả lời chưa hợp lệ (tối đa 2 000 ký tự).",
            "The answer is not valid.",
            validation_details(error),
        ) from None
    item = feedback_store().get(code)
    if office is not None and item.office != office:
        raise NotFound("feedback")  # another office's item does not exist for this clerk
    if item.status == "answered":
        if item.answer == given.answer:
            return item
        raise Conflict("feedback_answered", "Phản ánh này đã được trả lời.", "This feedback was answered already.")
    done = item.model_copy(
        update={
            "status": "answered",
            "answer": given.answer,
            "published": given.publish,
            "answered_at": utcnow(),
            "answered_by": by,
        }
    )
    try:
        feedback_store().replace(done, status_was=item.status)
    except ConcurrentUpdate:
        raise Conflict(
            "feedback_answered", "Phản ánh này vừa được trả lời.", "This feedback was just answered."
        ) from None
    return done


def public(code: str) -> Feedback:
    """The item as anyone may see it: the contact is left out, the answer only when published."""
    item = feedback_store().get(code[:40])
    return item.model_copy(update={"contact": "", "answer": item.answer if item.published else None})


def import_file(path: Path) -> tuple[int, list[str]]:
    """Items received by other channels (the national system's export, letters typed in), one JSON
    object per line: {portal_code, kind, content, contact, received_at}. Answers how many were
    taken and the problems of the lines that were not (by line number)."""
    taken, problems = 0, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
            at = datetime.fromisoformat(row.pop("received_at")) if row.get("received_at") else None
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=VIETNAM_TZ)
            submit(row, "import", received_at=at)
            taken += 1
        except (ValueError, InvalidInput) as error:
            problems.append(f"line {number}: {error}")
    return taken, problems
