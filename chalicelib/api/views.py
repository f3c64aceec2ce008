"""What clients see of a dossier, built from the stored one. The look-up view carries no personal data."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.api.contracts import (
    AttachmentView,
    DecisionView,
    DocumentView,
    DossierView,
    FeedbackCounts,
    FeedbackListView,
    FeedbackView,
    HistoryView,
    LookupView,
    NoticeView,
    StepView,
    WorklistItem,
    WorklistView,
)
from chalicelib.config import settings
from chalicelib.domain.actions import available
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.feedback import Feedback
from chalicelib.domain.procedures import UnknownProcedure, procedure_of
from chalicelib.domain.workdays import VIETNAM_TZ

__all__ = ["dossier_view", "feedback_list_view", "feedback_view", "lookup_view", "worklist_view"]


def _basis(d: Dossier) -> str | None:
    try:
        return procedure_of(d).basis.code
    except UnknownProcedure:  # a dossier stored under a code this office no longer has
        return None


def dossier_view(d: Dossier, role: str | None = None) -> DossierView:
    """`role`: the caller's, for the actions it may take now (none for the portal's own answers)."""
    return DossierView(
        id=d.id,
        portal_code=d.portal_code,
        procedure=d.procedure,
        basis=_basis(d),
        forwarded_to=d.forwarded_to,
        status=d.status.value,
        overdue=d.overdue,
        attention=d.attention,
        office=d.office,
        received_at=d.received_at,
        due_date=d.due_date,
        applicant=d.applicant,
        workers=d.workers,
        findings=d.findings,
        documents=[DocumentView(kind=x.kind, number=x.number, issued_at=x.issued_at) for x in d.documents],
        attachments=[AttachmentView.model_validate(a.model_dump()) for a in d.attachments.values()],
        bhxh_due_date=d.bhxh_due_date,
        original_due_date=d.original_due_date,
        escalation=d.escalation,
        steps=[StepView.model_validate(x.model_dump()) for x in d.steps],
        history=[HistoryView(status=h.status.value, at=h.at, by=h.by, note=h.note, clock=h.clock) for h in d.history],
        notices=[NoticeView.model_validate(n.model_dump()) for n in d.notices],
        decision=DecisionView.model_validate(d.decision.model_dump()) if d.decision else None,
        actions=available(d, role, frozenset(settings().authority_urls)),
    )


def lookup_view(d: Dossier) -> LookupView:
    return LookupView(
        portal_code=d.portal_code,
        procedure=d.procedure,
        status=d.status.value,
        overdue=d.overdue,
        received_at=d.received_at,
        due_date=d.due_date,
    )


def worklist_view(items: list[Dossier], next_cursor: str | None) -> WorklistView:
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
    )


def feedback_view(item: Feedback, today: date | None = None) -> FeedbackView:
    """`today` in Vietnam, for the overdue flag (now unless given)."""
    return FeedbackView.model_validate(
        {**item.model_dump(), "overdue": item.overdue(today or datetime.now(VIETNAM_TZ).date())}
    )


def feedback_list_view(items: list[Feedback], counts: dict[str, int]) -> FeedbackListView:
    today = datetime.now(VIETNAM_TZ).date()
    return FeedbackListView(items=[feedback_view(i, today) for i in items], counts=FeedbackCounts(**counts))
