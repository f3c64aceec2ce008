"""The shapes on the wire, declared once: every answer's model, the error shape, and the route metadata
from which the OpenAPI document is made.

Why: the app, the local server's own answers (a body too large, a method no route takes, the local
portal stand-in) and the OpenAPI document must give a client the same shapes. Routes declare their
`Operation` (summary, body, answers per status, errors) on `endpoint()`; `api/openapi.py` builds the
document from `app.routes` and these models; `endpoint()` passes every JSON answer through the model
its status declares, so what is sent is what is documented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.documents.slips import KIND_CODES
from chalicelib.domain.actions import Action
from chalicelib.domain.dossier import Applicant, Worker
from chalicelib.domain.findings import Finding
from chalicelib.domain.notes import HistoryNote

__all__ = [
    "SLIP_KIND",
    "Answer",
    "AttachmentView",
    "DecisionView",
    "DocumentLink",
    "DocumentView",
    "DossierView",
    "ErrorBody",
    "ErrorView",
    "FeedbackCounts",
    "FeedbackListView",
    "FeedbackPublicView",
    "FeedbackReceipt",
    "FeedbackView",
    "Health",
    "HistoryView",
    "ListRow",
    "LookupView",
    "NoticeView",
    "Operation",
    "Param",
    "Problem",
    "ProcedureListView",
    "ProcedureView",
    "ScannedList",
    "SlipIdentity",
    "StatsRow",
    "StatsView",
    "UploadRequest",
    "UploadTicket",
    "Verification",
    "WorkerListsView",
    "WorklistItem",
    "WorklistView",
    "error_body",
    "error_json",
]


class _Shape(BaseModel):
    """An answer's model, its validator built when a route first answers with it rather than when `app` is
    imported: every Lambda function imports `app.py` on its cold start, and most answer with a few of these
    shapes or none (the queue workers), so building every validator there is cost without use."""

    model_config = ConfigDict(defer_build=True)


# -- errors ---------------------------------------------------------------------------------------
class ErrorBody(_Shape):
    code: str
    """Stable and machine-readable (`missing_attachment`, `not_found`); clients branch on it."""
    message: str
    """Vietnamese, for the person who reads it."""
    message_en: str
    details: Any = None


class ErrorView(_Shape):
    error: ErrorBody


def error_body(code: str, message: str, message_en: str, details: Any = None) -> dict[str, Any]:
    """`{"error": {...}}`, `details` only when there are some."""
    return ErrorView(error=ErrorBody(code=code, message=message, message_en=message_en, details=details)).model_dump(
        exclude_none=True
    )


def error_json(code: str, message: str, message_en: str, details: Any = None) -> bytes:
    return json.dumps(error_body(code, message, message_en, details), ensure_ascii=False).encode()


# -- route metadata ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """A query parameter (path parameters come from the route's path)."""

    name: str
    schema: dict[str, Any]
    description: str | None = None


@dataclass(frozen=True)
class Answer:
    """One status a route answers. `model` for a JSON body; `media` for other bodies (name -> schema)."""

    description: str
    model: type[BaseModel] | None = None
    media: dict[str, dict[str, Any]] | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """What a route is, for its client: the OpenAPI operation is made from this and nothing else."""

    summary: str
    answers: dict[int, Answer]
    body: type[BaseModel] | dict[str, dict[str, Any]] | None = None
    """A model (JSON), or media types and their schemas (files)."""
    body_media: tuple[str, ...] = ("application/json",)
    """The media types a model body may come as (a page's form sends it url-encoded)."""
    errors: tuple[int, ...] = ()
    """Statuses of `{"error": ...}` answers beside 401/403 (which every secured route has)."""
    params: tuple[Param, ...] = ()
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Schemas of path parameters that are not any string (an enum of slip kinds)."""


SLIP_KIND: dict[str, Any] = {"type": "string", "enum": list(KIND_CODES)}
"""The `{kind}` of a slip's path: the kinds the system issues."""


# -- answers ----------------------------------------------------------------------------------------
class DocumentView(_Shape):
    kind: str
    number: str
    issued_at: datetime


class DecisionView(_Shape):
    result: str
    note: str | None
    amount: float | None
    by: str
    at: datetime


class HistoryView(_Shape):
    status: str
    at: datetime
    by: str
    note: HistoryNote | None = None
    """A code with its texts (chalicelib/domain/notes.py), never prose to be searched."""
    clock: str | None = None
    """`started` (a submission, corrected or not, starts the time limit) or `stopped` (a correction request)."""


class StepView(_Shape):
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


class NoticeView(_Shape):
    kind: str
    number: str
    at: datetime
    by: str


class AttachmentView(_Shape):
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


class DossierView(_Shape):
    id: str
    portal_code: str
    procedure: str
    basis: str | None = None
    """The legal basis whose version of the procedure judges this dossier (`qd15_2020`, `qd23_2021`): the
    one in force for the period it claims (`GET /v1/procedures`)."""
    forwarded_to: str | None = None
    """The authority it was handed to (`province`, `social_policy_bank`, `labour_department`), once forwarded."""
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
    actions: list[Action] = []
    """What the caller may do to it now (chalicelib/domain/actions.py); the console shows these."""


class LookupView(_Shape):
    portal_code: str
    procedure: str
    status: str
    overdue: bool
    received_at: datetime | None
    due_date: date | None


class WorklistItem(_Shape):
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


class WorklistView(_Shape):
    items: list[WorklistItem]
    next: str | None


class ListRow(_Shape):
    row: int
    typed: dict[str, str | None]
    scanned: dict[str, str | None] | None
    """None: the signed list has no row for this worker."""
    differs: list[str]
    """Fields the scan read with confidence and that differ from the typed list."""
    uncertain: list[str]
    """Fields the scan read with too little confidence to hold against the applicant."""


class ScannedList(_Shape):
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


class WorkerListsView(_Shape):
    lists: list[ScannedList]
    titles: dict[str, str] = {}
    """Column titles in the words of the dossier's procedure (`period_from`: "Từ ngày (ngừng việc)")."""


class DocumentLink(_Shape):
    kind: str
    number: str
    url: str
    """Short-lived; the PDF downloads as a file."""
    preview_url: str
    """Short-lived; the PDF opens in the browser."""
    expires_in: int


class UploadRequest(_Shape):
    name: str
    content_type: str
    size: int
    sha256: str
    """The file's SHA-256 (hex): the upload is bound to it and to `size`; submit refuses another file."""
    component: str | None = None
    """The dossier component(s) the file fulfils, comma-separated, as `?component=` of a direct upload."""


class UploadTicket(_Shape):
    method: str
    url: str
    headers: dict[str, str]
    expires_in: int


class SlipIdentity(_Shape):
    kind: str | None
    number: str | None
    portal_code: str | None


class Problem(_Shape):
    code: str
    message: str
    message_en: str | None = None


class Verification(_Shape):
    valid: bool
    """The signature is intact and covers the whole file."""
    issued_by_system: bool
    """Signed by our key and byte for byte a slip we recorded."""
    signed_by_us: bool
    document: SlipIdentity
    signer: str | None = None
    signed_at: str | None = None
    timestamped_at: str | None = None
    """The time a trusted time-stamping authority put on the signature, when the slip has one."""
    archived_at: str | None = None
    """PAdES B-LTA: the time of the newest document timestamp over the signature and its validation data."""
    covers_whole_file: bool | None = None
    problems: list[Problem]


class CitedView(_Shape):
    """A rule of a procedure and its law: the article, the source read, and how sure we are."""

    name: str
    """Which rule: `rules.window`, `rules.min_consecutive_days`, `identity`, ..."""
    article: str
    source: str
    confirmed: bool
    to_confirm: str = ""
    """For a rule believed, not confirmed: what would confirm it."""
    checked_by: str = "bhxh"
    """Who checks it: `bhxh` (this system, at the check step), or another body (`social_policy_bank`
    for a borrower's bad debt), which this system does not check and only lists."""
    checked_by_name: str = "Bảo hiểm xã hội"
    value: dict[str, Any] = {}
    """The rule's own values (`{"start": "2021-05-01", "end": "2021-12-31"}`, `{"value": 15}`,
    `{"allowed": [{"code": "tourism", "vi": "Du lịch", "en": "Tourism"}, ...]}`, ...)."""


class ProcedureStepView(_Shape):
    body: str
    body_name: str
    task: str
    days: int
    """Working days, counted from the day the body receives the dossier."""
    article: str
    source: str
    confirmed: bool
    to_confirm: str = ""


class ProcedureComponentView(_Shape):
    code: str
    """What the portal declares (`?component=`)."""
    title: str
    title_en: str
    required: bool
    signed: bool
    """Must carry the applicant's digital signature (PAdES); never for a citizen the portal authenticated."""


class ProcedureBasisView(_Shape):
    """One procedure under one legal basis: a dossier is judged by the version whose window covers its period."""

    basis: str
    """`qd15_2020`, `qd23_2021`."""
    basis_title: str
    basis_title_en: str
    basis_short: str
    window_from: date
    window_to: date
    identity: Literal["unit", "citizen"]
    signature: Literal["pades", "portal_authentication"]
    components: list[ProcedureComponentView]
    steps: list[ProcedureStepView]
    bhxh_days: int
    time_limit_days: int
    """The appointment printed on the receipt: the sum of the steps."""
    forwarded_to: str | None
    forwarded_to_name: str | None
    decision_amount: bool
    rules: list[CitedView]
    file: str
    """The data file, under `chalicelib/procedures`."""


class ProcedureView(_Shape):
    code: str
    title: str
    title_en: str
    submitted_by: Literal["employer", "household", "worker"]
    received_by_bhxh: bool
    filed_at: dict[str, str] | None = None
    """Where it is filed, in `vi` and `en`, when BHXH does not receive it."""
    bases: list[ProcedureBasisView]


class ProcedureListView(_Shape):
    """Body of `GET /v1/procedures`: every procedure this system knows, with each basis it has."""

    items: list[ProcedureView]


class Health(_Shape):
    status: Literal["ok", "unavailable"]
    failing: list[str] = []
    """The stores that did not answer."""


class StatsRow(_Shape):
    """One body's steps of one procedure begun in one week, each against its own deadline."""

    procedure: str
    body: str
    """`bhxh`, or the authority (`province`, ...)."""
    week: str
    """ISO week the steps began, `2026-W18`."""
    received: int
    on_time: int
    late: int
    open: int
    apologies: int
    escalated: int


class StatsView(_Shape):
    office: str
    as_of: date
    bodies: dict[str, str]
    """Each body's name as printed."""
    rows: list[StatsRow]
    feedback: FeedbackCounts
    """The office's feedback: open, overdue (past its answer date), answered."""


class FeedbackCounts(_Shape):
    open: int
    overdue: int
    answered: int


class FeedbackReceipt(_Shape):
    """What a sender gets back: the code to follow the item by, and when it will be answered."""

    code: str
    status: str
    received_at: datetime
    answer_due: date


class FeedbackPublicView(_Shape):
    """An item as anyone sees it by its code: never the contact; the answer once published."""

    code: str
    portal_code: str
    kind: str
    status: str
    received_at: datetime
    answer_due: date
    answer: str | None
    answered_at: datetime | None


class FeedbackView(FeedbackPublicView):
    """An item as the office's clerk sees it."""

    office: str
    content: str
    contact: str
    channel: str
    accept_due: date
    overdue: bool
    published: bool
    answered_by: str | None


class FeedbackListView(_Shape):
    items: list[FeedbackView]
    counts: FeedbackCounts


StatsView.model_rebuild()
