"""Feedback on a dossier (phản ánh, kiến nghị): what it is, its deadlines, and who may see what.

Why here: the office must accept, route and answer each item within deadlines set by decree, and
publish the answer (DOMAIN.md). The deadlines are data with their source (`feedback_rules.toml`),
marked unconfirmed where we only believe the numbers. The contact of whoever sent an item is
personal data: it is kept for the clerk who answers and never shown on a public page.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.identifiers import readable_code
from chalicelib.domain.workdays import VIETNAM_TZ, WorkingCalendar

__all__ = [
    "MAX_CONTACT",
    "MAX_CONTENT",
    "Channel",
    "Deadline",
    "Feedback",
    "FeedbackAnswer",
    "FeedbackRules",
    "FeedbackStatus",
    "Kind",
    "NewFeedback",
    "due_dates",
    "new_code",
    "rules",
]

Kind = Literal["delay", "conduct", "procedure", "proposal", "other"]
Channel = Literal["public", "portal", "clerk", "import"]
FeedbackStatus = Literal["received", "answered"]
MAX_CONTENT = 2000
MAX_CONTACT = 200
RULES_FILE = Path(__file__).with_name("feedback_rules.toml")


class Deadline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=120)
    counted: Literal["working_days", "days"]
    source: str = Field(min_length=1)
    confirmed: bool
    note: str = ""

    def due(self, calendar: WorkingCalendar, start: datetime) -> date:
        day = start.astimezone(VIETNAM_TZ).date()
        if self.counted == "working_days":
            return calendar.add_working_days(day, self.days)
        return day + timedelta(days=self.days)


class FeedbackRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accept: Deadline
    answer: Deadline
    kinds: dict[Kind, str]


@lru_cache(maxsize=1)
def rules() -> FeedbackRules:
    """The rules from their file; a malformed file stops the start with the file and field named."""
    try:
        return FeedbackRules.model_validate(tomllib.loads(RULES_FILE.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise RuntimeError(f"{RULES_FILE.name}: {error}") from None


def new_code(office: str, at: datetime) -> str:
    """`PA-031-2026-K7QZ2M4A`: the office and year a reader knows, and a random part nobody can guess."""
    return f"PA-{office}-{at.astimezone(VIETNAM_TZ).year}-{readable_code()}"


def due_dates(calendar: WorkingCalendar, received_at: datetime) -> tuple[date, date]:
    """(accept by, answer by) for an item received at `received_at`."""
    r = rules()
    return r.accept.due(calendar, received_at), r.answer.due(calendar, received_at)


class NewFeedback(BaseModel):
    """What a sender gives: from the public page, the API, the portal or a clerk."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    portal_code: str = Field(min_length=4, max_length=64)
    kind: Kind = "other"
    content: str = Field(min_length=1, max_length=MAX_CONTENT)
    contact: str = Field(default="", max_length=MAX_CONTACT)
    """A phone number or an e-mail address for the answer; never shown publicly."""
    website: str = Field(default="", max_length=200)
    """A honeypot: the page hides this field from people; a bot that fills it in is ignored."""


class FeedbackAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    answer: str = Field(min_length=1, max_length=MAX_CONTENT)
    publish: bool = True


class Feedback(BaseModel):
    code: str
    portal_code: str
    office: str
    kind: Kind
    content: str
    contact: str
    channel: Channel
    received_at: datetime
    accept_due: date
    answer_due: date
    status: FeedbackStatus = "received"
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    published: bool = False

    def overdue(self, today: date) -> bool:
        """Not answered by its answer date (accepting is part of answering here: one clerk does both)."""
        return self.status != "answered" and today > self.answer_due
