"""What clients see of a dossier. The look-up view carries no personal data at all."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from chalicelib.domain.dossier import Applicant, Dossier, Worker
from chalicelib.domain.findings import Finding

__all__ = ["DossierView", "LookupView", "WorklistView", "WorkerListsView", "DocumentLink", "dossier_view", "lookup_view", "worklist_view"]


class DocumentView(BaseModel):
    kind: str
    number: str
    issued_at: datetime


class DecisionView(BaseModel):
    result: str
    note: str | None
    amount: float | None
    by: str
    at: datetime


class HistoryView(BaseModel):
    status: str
    at: datetime
    by: str
    note: str | None = None
    clock: str | None = None
    """`started` (a submission, corrected or not, starts the time limit) or `stopped` (a correction request)."""


class StepView(BaseModel):
    """One body's step and its own deadline."""

    body: str
    name: str
    days: int
    source: str
    started_at: datetime
    due: date
    moved_to: date | None = None
    done_at: datetime | None = None
    outcome: str | None = None
    """`ahead`, `on` or `after` against `due`; None while open."""
    delay_reason: str | None = None
    apology: str | None = None


class NoticeView(BaseModel):
    kind: str
    number: str
    at: datetime
    by: str


class AttachmentView(BaseModel):
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    declared: list[str] = []
    """The components the portal declared the file to be on upload."""
    components: list[str] = []
    """The components the checks took it for (declared, else by content, else by name); empty before."""
    signature: dict[str, Any] | None = None
    """Its signature check: each signer, whether it is the applicant, whether revocation was checked."""
    reading: dict[str, Any] | None = None
    """For a list of workers: readings reconciled with the registry, and notes for the clerk."""


class DossierView(BaseModel):
    id: str
    portal_code: str
    procedure: str
    status: str
    overdue: bool
    attention: str | None
    office: str
    received_at: datetime | None
    """When the clock started (the accepted submission; a corrected one restarts it)."""
    due_date: date | None
    """The appointment: when the applicant gets the result."""
    bhxh_due_date: date | None = None
    """BHXH's own deadline for its step."""
    original_due_date: date | None = None
    """The first appointment, when an apology moved it."""
    escalation: str | None = None
    """A second lateness, for the office's leader."""
    steps: list[StepView] = []
    applicant: Applicant
    workers: list[Worker]
    findings: list[Finding]
    documents: list[DocumentView]
    attachments: list[AttachmentView]
    history: list[HistoryView]
    notices: list[NoticeView]
    decision: DecisionView | None


class LookupView(BaseModel):
    portal_code: str
    procedure: str
    status: str
    overdue: bool
    received_at: datetime | None
    due_date: date | None


class WorklistItem(BaseModel):
    id: str
    portal_code: str
    procedure: str
    applicant_name: str
    unit_code: str | None
    status: str
    overdue: bool
    received_at: datetime | None
    due_date: date | None
    attention: str | None = None
    bhxh_due_date: date | None = None
    escalation: str | None = None


class WorklistView(BaseModel):
    items: list[WorklistItem]
    next: str | None


class ListRow(BaseModel):
    row: int
    typed: dict[str, str | None]
    scanned: dict[str, str | None] | None
    """None: the signed list has no row for this worker."""
    differs: list[str]
    """Fields the scan read with confidence and that differ from the typed list."""
    uncertain: list[str]
    """Fields the scan read with too little confidence to hold against the applicant."""


class ScannedList(BaseModel):
    attachment: str
    state: str
    """`read`, `unreadable`, or `not_read` (the extract step has not run yet)."""
    rows: list[ListRow]
    extra: list[dict[str, str | None]]
    """Rows of the signed list that no typed worker matches."""
    reconciled: list[dict[str, Any]] = []
    """Cells read differently from the typed list where the registry agrees with the typed value:
    an OCR slip (a 3 read as 5), recorded rather than held against the applicant."""
    notes: list[dict[str, Any]] = []
    """What the clerk should know of the reading (a column not found), in Vietnamese and English."""


class WorkerListsView(BaseModel):
    lists: list[ScannedList]


class DocumentLink(BaseModel):
    kind: str
    number: str
    url: str
    """Short-lived; the PDF downloads as a file."""
    preview_url: str
    """Short-lived; the PDF opens in the browser."""
    expires_in: int


def dossier_view(d: Dossier) -> dict[str, Any]:
    return DossierView(
        id=d.id,
        portal_code=d.portal_code,
        procedure=d.procedure,
        status=d.status.value,
        overdue=d.overdue,
        attention=d.attention,
        office=d.office,
        received_at=d.received_at,
        due_date=d.due_date,
        bhxh_due_date=d.bhxh_due_date,
        original_due_date=d.original_due_date,
        escalation=d.escalation,
        steps=[StepView.model_validate(x.model_dump()) for x in d.steps],
        applicant=d.applicant,
        workers=d.workers,
        findings=d.findings,
        documents=[DocumentView(kind=x.kind, number=x.number, issued_at=x.issued_at) for x in d.documents],
        attachments=[AttachmentView.model_validate(a.model_dump()) for a in d.attachments.values()],
        history=[HistoryView(status=h.status.value, at=h.at, by=h.by, note=h.note, clock=h.clock) for h in d.history],
        notices=[NoticeView.model_validate(n.model_dump()) for n in d.notices],
        decision=DecisionView.model_validate(d.decision.model_dump()) if d.decision else None,
    ).model_dump(mode="json")


def lookup_view(d: Dossier) -> dict[str, Any]:
    return LookupView(
        portal_code=d.portal_code, procedure=d.procedure, status=d.status.value, overdue=d.overdue, received_at=d.received_at, due_date=d.due_date
    ).model_dump(mode="json")


def worklist_view(items: list[Dossier], next_cursor: str | None) -> dict[str, Any]:
    return WorklistView(
        items=[
            WorklistItem(
                id=d.id,
                portal_code=d.portal_code,
                procedure=d.procedure,
                applicant_name=d.applicant.name,
                unit_code=d.applicant.unit_code,
                status=d.status.value,
                overdue=d.overdue,
                received_at=d.received_at,
                due_date=d.due_date,
                attention=d.attention,
                bhxh_due_date=d.bhxh_due_date,
                escalation=d.escalation,
            )
            for d in items
        ],
        next=next_cursor,
    ).model_dump(mode="json")
