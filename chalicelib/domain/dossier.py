"""A dossier (hồ sơ) as the portal sends it and as motcua keeps it.

The portal's `portal_code` is the idempotency key; `id` is ours. The stored `Dossier` carries its
whole history so that the status look-up, the control slip (Mẫu 05) and the audit agree.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.deadlines import StepDeadline
from chalicelib.domain.findings import Finding
from chalicelib.domain.notes import HistoryNote, in_words
from chalicelib.domain.procedures import PROCEDURES
from chalicelib.domain.states import Status, check_transition

__all__ = [
    "MAX_WORKERS",
    "Applicant",
    "Attachment",
    "CreateDossier",
    "Decision",
    "DecisionBody",
    "DocumentRef",
    "Dossier",
    "HistoryEntry",
    "Notice",
    "SlipKind",
    "StepDeadline",
    "Worker",
    "utcnow",
]

MAX_WORKERS = 1000
"""Keeps one dossier well inside DynamoDB's 400 KB item; larger employers split their list."""

PortalCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{3,63}$", examples=["G22.99-200512-000123"])]
Digits = Annotated[str, Field(pattern=r"^[0-9]+$")]


def _system_clock() -> datetime:
    return datetime.now(UTC)


clock = _system_clock
"""Where every recorded moment comes from; a test or the slips' example script may set another
(`chalicelib.domain.dossier.clock = ...`) to run a dossier through dates of its choice."""


def utcnow() -> datetime:
    return clock().astimezone(UTC)


def _nfc(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


class _Edge(BaseModel):
    """Bodies from clients: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Applicant(_Edge):
    unit_code: str | None = Field(default=None, max_length=20, description="Mã đơn vị (BHXH)")
    tax_code: str | None = Field(default=None, pattern=r"^[0-9]{10}([0-9]{3}|-[0-9]{3})?$", description="Mã số thuế")
    name: str = Field(min_length=1, max_length=300)
    province_code: str = Field(pattern=r"^[0-9]{2,3}$", description="Mã tỉnh of the receiving office, e.g. 031")
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(
        default=None,
        max_length=100,
        description="Ngành, nghề of the employer, for a procedure open to some industries only (the recovery "
        "wage loan): a code its `rules.industries` lists in GET /v1/procedures",
    )

    _norm_name = field_validator("name", "address")(lambda v: _nfc(v) if v else v)


class Worker(_Edge):
    full_name: str = Field(min_length=1, max_length=200)
    si_number: str = Field(pattern=r"^[0-9]{10}$", description="Mã số BHXH, 10 digits")
    date_of_birth: date
    id_number: str | None = Field(default=None, pattern=r"^([0-9]{9}|[0-9]{12})$", description="CMND (9) or CCCD (12)")
    period_from: date
    period_to: date

    _norm_name = field_validator("full_name")(lambda v: _nfc(v))

    @model_validator(mode="after")
    def _period_in_order(self) -> Worker:
        if self.period_to < self.period_from:
            raise ValueError("period_to is before period_from")
        return self


class CreateDossier(_Edge):
    """Body of `POST /v1/dossiers`."""

    portal_code: PortalCode
    procedure: str = Field(description="one of " + ", ".join(PROCEDURES))
    applicant: Applicant
    workers: list[Worker] = Field(default_factory=list, max_length=MAX_WORKERS)


class Attachment(BaseModel):
    name: str
    """The portal's file name: it means nothing (`chalicelib.domain.components`)."""
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    version_id: str | None = None
    declared: list[str] = Field(default_factory=list)
    """Components the portal declared on upload (`?component=`): the strongest evidence of what it is."""
    components: list[str] = Field(default_factory=list)
    """Components the check step recognised it as (declared, else by content, else by name)."""
    signature: dict[str, Any] | None = None
    """What the check step found of its digital signature: who signed, whether that is the applicant,
    and whether revocation was checked (`chalicelib.checks.signature.SignatureVerdict.as_record`)."""
    reading: dict[str, Any] | None = None
    """For a list of workers: readings the registry reconciled and notes for the clerk
    (`chalicelib.checks.scan.compare_scan`), kept so that a clerk sees why nothing was asked."""


SlipKind = Literal["receipt", "correction_request", "refusal", "apology", "control_slip", "confirmation", "decision"]


class DocumentRef(BaseModel):
    """A signed slip issued for this dossier; the PDF itself is in the slips bucket."""

    kind: SlipKind
    number: str
    issued_at: datetime
    key: str = ""
    sha256: str = ""
    event: str = ""
    """What the slip was issued for (e.g. `accepted#2`): issuing it again for the same event is a no-op."""


class Notice(BaseModel):
    """A slip sent to the applicant again, through the portal, at a clerk's request: audited and
    announced like any other event, so the portal gets it with a new sequence number."""

    kind: str
    number: str
    at: datetime
    by: str


class DecisionBody(_Edge):
    """Body of `POST /v1/dossiers/{id}/decision`: the competent authority's result."""

    result: Literal["approved", "denied"]
    note: str | None = Field(default=None, max_length=2000)
    amount: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="VND, when approved")
    """Finite: JSON's 1e999 is infinity to Python, and infinity was saved as null (the amount lost)."""


class Decision(DecisionBody):
    by: str
    at: datetime

    def same_as(self, other: DecisionBody) -> bool:
        return (self.result, self.note, self.amount) == (other.result, other.note, other.amount)


class HistoryEntry(BaseModel):
    status: Status
    at: datetime
    by: str
    note: HistoryNote | None = None
    clock: Literal["started", "stopped"] | None = None
    """The time limit's clock: started by a (corrected) submission, stopped by a correction request."""

    @field_validator("note", mode="before")
    @classmethod
    def _coded(cls, value: Any) -> Any:
        """A dossier stored before notes had codes keeps its note, in words."""
        return in_words(value) if isinstance(value, str) else value


class Dossier(BaseModel):
    id: str
    portal_code: str
    procedure: str
    applicant: Applicant
    workers: list[Worker]
    status: Status = Status.DRAFT
    overdue: bool = False
    created_at: datetime
    received_at: datetime | None = None
    """When the clock started: the submission of the dossier as it was accepted (a corrected
    submission starts it again)."""
    due_date: date | None = None
    """The appointment: when the applicant gets the result (the sum of every body's step)."""
    original_due_date: date | None = None
    """The first appointment, when an apology (Mẫu 04) moved it."""
    bhxh_due_date: date | None = None
    """BHXH's own deadline for its step (a separate date on the receipt and in the worklist)."""
    steps: list[StepDeadline] = Field(default_factory=list)
    """Each body's step from acceptance on, with its own deadline and how it ended."""
    escalation: str | None = None
    """A second lateness after the appointment was moved once: for the office's leader, never a
    second apology."""
    attention: str | None = None
    """Why a clerk should look: set by the sweep when the dossier sits in a step past its limit,
    cleared when it moves on."""
    decision: Decision | None = None
    forwarded_to: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list)
    attachments: dict[str, Attachment] = Field(default_factory=dict)
    version: int = 0
    """Bumped on every save; a save expecting an older version fails instead of overwriting."""
    audit_seq: int = 0
    """Number of the last audit-log entry of this dossier, and below, its hash."""
    audit_head: str = ""
    audited_history: int = 0
    audited_documents: int = 0
    audited_notices: int = 0

    @property
    def office(self) -> str:
        return self.applicant.province_code

    @classmethod
    def new(cls, body: CreateDossier, by: str, at: datetime | None = None) -> Dossier:
        at = at or utcnow()
        return cls(
            id=uuid.uuid4().hex,
            portal_code=body.portal_code,
            procedure=body.procedure,
            applicant=body.applicant,
            workers=body.workers,
            created_at=at,
            history=[HistoryEntry(status=Status.DRAFT, at=at, by=by)],
        )

    def personal_values(self) -> list[str]:
        """What of this dossier must never reach a log: its workers' names and dates of birth (as
        ISO and as people write them), and the applicant's contact details."""
        values = [w.full_name for w in self.workers]
        values += [w.date_of_birth.isoformat() for w in self.workers] + [
            f"{w.date_of_birth:%d/%m/%Y}" for w in self.workers
        ]
        values += [v for v in (self.applicant.phone, self.applicant.email) if v]
        return values

    def advance(self, target: Status, by: str, at: datetime | None = None, note: HistoryNote | None = None) -> Dossier:
        """A copy moved to `target`, with the step in its history; raises `IllegalTransition`."""
        check_transition(self.status, target)
        at = at or utcnow()
        clock: Literal["started", "stopped"] | None = (
            "started" if target == Status.SUBMITTED else "stopped" if target == Status.NEEDS_CORRECTION else None
        )
        entry = HistoryEntry(status=target, at=at, by=by, note=note, clock=clock)
        return self.model_copy(update={"status": target, "history": [*self.history, entry], "attention": None})
