"""After acceptance: confirmation, forwarding, the decision, the return, and the deadlines.

Queue steps follow the pipeline's rule (see `pipeline.py`): keyed on the dossier's status, saved
before the next message is sent, safe to run twice. Decisions and returns come from people through
the API. Every hand-over ends one body's step (against its own deadline) and issues the control
slip (Mẫu 05) again with its new row.

The deadline sweep runs on a schedule and looks at each open step: a step that will miss its
deadline (its body said so with a reason, or it is still open on the working day before the
deadline) gets the apology (Mẫu 04) in the name of that body, with its reason and one new
appointment. The appointment moves once per dossier: a second lateness is flagged for the office's
leader (`escalation`, in the worklist and the figures), never a second apology.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.adapters.authorities import AUTHORITY_NAMES, deliver
from chalicelib.adapters.store import store
from chalicelib.config import settings
from chalicelib.domain import notes
from chalicelib.domain.actions import awaiting_decision, clerk_may_decide
from chalicelib.domain.deadlines import DelayReport, StepDeadline, predicted_late
from chalicelib.domain.dossier import Decision, DecisionBody, Dossier, Notice, utcnow
from chalicelib.domain.messages import StepMessage
from chalicelib.domain.procedures import procedure_of
from chalicelib.domain.states import Status
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound
from chalicelib.logs import logger
from chalicelib.services import deadlines, documents
from chalicelib.services.pipeline import load_for_step
from chalicelib.services.saving import save

__all__ = [
    "DelayReport",
    "mark_returned",
    "record_decision",
    "report_delay",
    "resend_correction_request",
    "sweep_deadlines",
    "workflow_step",
]

SYSTEM = "system:workflow"
OPEN = (Status.ACCEPTED, Status.CONFIRMED, Status.FORWARDED)


def _save(dossier_id: str, change: Callable[[Dossier], Dossier | None], current: Dossier | None = None) -> Dossier:
    """Apply `change` (None: nothing to do) to the latest dossier, retrying on a concurrent save.

    `current`: the dossier as the caller just read or saved it, tried first (the versioned save
    refuses it if anyone saved since, and then it is read again)."""
    for _ in range(5):
        dossier = current if current is not None else store().get(dossier_id)
        current = None
        changed = change(dossier)
        if changed is None:
            return dossier
        try:
            return save(changed)
        except ConcurrentUpdate:
            continue
    raise Conflict("busy", "Hồ sơ đang được cập nhật, vui lòng thử lại.", "The dossier is being updated; try again.")


def workflow_step(message: StepMessage) -> None:
    """`confirm`: BHXH's signed confirmation of participation; `forward`: to the deciding authority."""
    dossier = load_for_step(message)
    if dossier is None:
        return
    rules = procedure_of(dossier)
    if dossier.status == Status.ACCEPTED and rules.registry_check:
        slip = documents.issue(dossier, "confirmation", f"confirmed#{message.round}")

        def confirm(d: Dossier) -> Dossier | None:
            if d.status != Status.ACCEPTED:
                return None
            return d.model_copy(update={"documents": [*d.documents, slip]}).advance(Status.CONFIRMED, by=SYSTEM)

        dossier = _save(dossier.id, confirm, current=dossier)
    ready = dossier.status == Status.CONFIRMED or (dossier.status == Status.ACCEPTED and not rules.registry_check)
    if ready and rules.forwarded_to:
        authority, at = rules.forwarded_to, utcnow()
        # the authority learns its own deadline with the dossier: its days from the day it receives it
        how = deliver(deadlines.handed_to_authority(dossier, authority, at), authority)
        to = notes.forwarded(authority, AUTHORITY_NAMES[authority], how)

        def forward(d: Dossier) -> Dossier | None:
            if d.status not in (Status.CONFIRMED, Status.ACCEPTED):
                return None
            moved = d.model_copy(update={"forwarded_to": authority}).advance(
                Status.FORWARDED, by=SYSTEM, at=at, note=to
            )
            moved = deadlines.handed_to_authority(moved, authority, at)
            return documents.with_control_slip(moved, "forwarded")

        dossier = _save(dossier.id, forward, current=dossier)
    logger().info("workflow step", extra={"dossier_id": dossier.id, "status": dossier.status.value})


def _parse_decision(body: Any) -> DecisionBody:
    try:
        return DecisionBody.model_validate(body)
    except ValidationError as error:
        from chalicelib.services.intake import validation_details

        raise InvalidInput(
            "invalid_body",
            "Kết quả giải quyết không hợp lệ (result: approved hoặc denied).",
            "The decision is not valid.",
            validation_details(error),
        ) from None


def record_decision(dossier_id: str, body: Any, by: str, for_authority: bool = False) -> Dossier:
    """The authority's result: once; the same decision again is no change, a different one a 409.
    `for_authority`: a clerk records it on the authority's behalf, which only an authority with no
    online channel of its own needs (one that has one answers through it)."""
    wanted = _parse_decision(body)

    def decide(d: Dossier) -> Dossier | None:
        if d.decision is not None:
            if d.decision.same_as(wanted):
                return None
            raise Conflict(
                "decision_conflict",
                "Hồ sơ đã có kết quả giải quyết khác.",
                "A different decision was already recorded.",
            )
        if for_authority and not clerk_may_decide(d, frozenset(settings().authority_urls)):
            name = AUTHORITY_NAMES.get(d.forwarded_to or "", d.forwarded_to or "")
            raise Conflict(
                "decided_online",
                f"{name} có hệ thống trực tuyến riêng: kết quả được nhận qua hệ thống đó.",
                f"{d.forwarded_to} answers through its own online system; a clerk does not record its decision.",
            )
        if not awaiting_decision(d):
            raise Conflict(
                "not_awaiting_decision",
                f"Hồ sơ đang ở trạng thái «{d.status}», chưa thể ghi kết quả.",
                f"The dossier is {d.status}; it awaits no decision.",
            )
        if wanted.amount is not None and not procedure_of(d).decision_amount:
            raise InvalidInput(
                "amount_not_applicable",
                f"Quyết định «{procedure_of(d).title}» không có số tiền.",
                f"A decision of {d.procedure} carries no amount.",
            )
        decision = Decision(**wanted.model_dump(), by=by, at=utcnow())
        moved = d.model_copy(update={"decision": decision}).advance(
            Status.DECIDED, by=by, at=decision.at, note=notes.decided(wanted.result, wanted.amount, wanted.note)
        )
        if procedure_of(d).forwarded_to is None:  # BHXH decides itself: its own signed decision, numbered
            slip = documents.issue(moved, "decision", "decided")
            if slip not in moved.documents:
                moved = moved.model_copy(update={"documents": [*moved.documents, slip]})
        return documents.with_control_slip(deadlines.finished(moved, decision.at), "decided")

    return _save(dossier_id, decide)


def mark_returned(dossier_id: str, by: str) -> Dossier:
    """The result handed back to the applicant: the dossier closes with its control slip."""
    dossier = store().get(dossier_id)
    if dossier.status != Status.DECIDED:
        if dossier.status == Status.RETURNED:
            return dossier
        raise Conflict("not_decided", "Hồ sơ chưa có kết quả giải quyết.", "The dossier has no decision yet.")
    at = utcnow()

    def close(d: Dossier) -> Dossier | None:
        if d.status != Status.DECIDED:
            return None
        return documents.with_control_slip(d.advance(Status.RETURNED, by=by, at=at), "returned")

    return _save(dossier_id, close)


def sweep_deadlines(as_of: date | None = None) -> int:
    """Look at every open dossier's open step; answers how many newly got an apology or a flag.

    A step that will miss its deadline gets the apology (Mẫu 04) in its body's name and one new
    appointment; a dossier whose appointment was already moved gets `escalation` instead."""
    today = as_of or utcnow().astimezone(VIETNAM_TZ).date()
    marked = 0
    for status in OPEN:
        for dossier in store().in_status(status):
            if _late_step(dossier, today) is None:
                continue
            before = (dossier.overdue, dossier.escalation)
            after = _apologise(dossier.id, today, current=dossier)
            marked += (after.overdue, after.escalation) != before
    return marked


def _late_step(dossier: Dossier, today: date) -> StepDeadline | None:
    """The open step that is (about to be) late and not yet handled: predicted late with no apology,
    or late a second time (past its moved deadline, or late after another body's apology) with no flag."""
    if dossier.status not in OPEN:
        return None
    cal = deadlines.calendar()
    for step in dossier.steps:
        if not step.is_open:
            continue
        if predicted_late(step, today, cal):
            if dossier.original_due_date is None or dossier.escalation is None:
                return step
        elif (
            step.moved_to is not None
            and dossier.escalation is None
            and today >= cal.previous_working_day(step.moved_to)
        ):
            return step
    return None


def _apologise(dossier_id: str, today: date, current: Dossier | None = None) -> Dossier:
    """The apology of the late step's body, or (the appointment moved already) the leader's flag."""

    def change(d: Dossier) -> Dossier | None:
        step = _late_step(d, today)
        if step is None:
            return None
        if d.original_due_date is not None:  # moved once already: no second apology
            late_again = step.moved_to is not None
            why = (
                f"{step.name} chưa giải quyết xong, hạn đã hẹn lại ngày {step.moved_to:%d/%m/%Y}"
                if late_again
                else f"{step.name} sẽ trễ hạn ngày {step.due:%d/%m/%Y} sau khi ngày hẹn trả kết quả đã được hẹn lại một lần"
            )
            note = f"Trễ hạn lần thứ hai: {why}. Ngày hẹn không được hẹn lại lần nữa; đề nghị lãnh đạo đơn vị chỉ đạo xử lý."
            return d.model_copy(update={"escalation": note, "overdue": True, "attention": note})
        moved, appointment = deadlines.new_dates(d, step, step.delay_days)
        reason = step.delay_reason or deadlines.DEFAULT_REASONS["bhxh" if step.body == "bhxh" else "authority"]
        if appointment == d.due_date:  # the applicant still gets the result on the day promised: no apology owed
            steps = [
                s.model_copy(
                    update={
                        "moved_to": moved,
                        "delay_reason": reason,
                        "delay_reason_by": s.delay_reason_by or "system:default",
                    }
                )
                if s is step
                else s
                for s in d.steps
            ]
            return documents.with_control_slip(
                d.model_copy(update={"steps": steps}), f"moved#{step.body}#{moved.isoformat()}"
            )
        rules = procedure_of(d)
        task = next((s.task for s in rules.steps if s.body == step.body), "")
        slip = documents.issue(
            d,
            "apology",
            f"late#{step.body}",
            body=step.body,
            original_due=d.due_date,
            new_due=appointment,
            reason=reason,
            step=task.lower(),
        )
        steps = [
            s.model_copy(
                update={
                    "moved_to": moved,
                    "apology": slip.number,
                    "delay_reason": reason,
                    "delay_reason_by": s.delay_reason_by or "system:default",
                }
            )
            if s is step
            else s
            for s in d.steps
        ]
        documents_now = d.documents if slip in d.documents else [*d.documents, slip]
        updated = d.model_copy(
            update={
                "overdue": True,
                "original_due_date": d.due_date,
                "due_date": appointment,
                "steps": steps,
                "documents": documents_now,
            }
        )
        return documents.with_control_slip(updated, f"apology#{step.body}")

    return _save(dossier_id, change, current=current)


def report_delay(dossier_id: str, body: Any, by: str, role: str, as_of: date | None = None) -> Dossier:
    """The body holding the open step says it will be late, with its reason: an authority for its
    own step (through the API), a clerk for BHXH's step or on the authority's word (in the console).
    The apology goes out at once, in that body's name; a second lateness is flagged instead."""
    try:
        wanted = DelayReport.model_validate(body)
    except ValidationError as error:
        from chalicelib.services.intake import validation_details

        raise InvalidInput(
            "invalid_body",
            "Cần nêu lý do chậm (reason, 5–500 ký tự) và số ngày làm việc cần thêm (days, 1–30).",
            "Give reason (5-500 chars) and optionally days (1-30).",
            validation_details(error),
        ) from None

    def record(d: Dossier) -> Dossier | None:
        open_steps = [s for s in d.steps if s.is_open] if d.status in OPEN else []
        if not open_steps:
            raise Conflict(
                "no_open_step",
                f"Hồ sơ đang ở trạng thái «{d.status}», không có bước nào đang giải quyết.",
                f"The dossier is {d.status}; no step is open.",
            )
        step = open_steps[-1]
        if role == "authority" and step.body == "bhxh":
            raise Conflict(
                "not_your_step",
                "Hồ sơ đang ở bước của cơ quan bảo hiểm xã hội.",
                "The open step is BHXH's, not the authority's.",
            )
        if step.delay_reason == wanted.reason and step.delay_days == wanted.days:
            return None
        if step.moved_to is not None:  # the apology is out: the reason is kept for the record only
            return None
        steps = [
            s.model_copy(update={"delay_reason": wanted.reason, "delay_reason_by": by, "delay_days": wanted.days})
            if s is step
            else s
            for s in d.steps
        ]
        return d.model_copy(update={"steps": steps})

    dossier = _save(dossier_id, record)
    return _apologise(dossier.id, as_of or utcnow().astimezone(VIETNAM_TZ).date(), current=dossier)


RESEND_PAUSE = timedelta(minutes=1)
"""A second press of "resend" within this time is the same request, not another message."""


def resend_correction_request(dossier_id: str, by: str) -> Dossier:
    """Send the applicant the latest correction request (Mẫu 02) again, through the portal.

    The slip itself is not issued anew (its number and signature stay); the resend is an audited
    notice that the portal receives with its own sequence number."""

    def remind(d: Dossier) -> Dossier | None:
        if d.status != Status.NEEDS_CORRECTION:
            raise Conflict(
                "not_awaiting_correction",
                f"Hồ sơ đang ở trạng thái «{d.status}», không chờ bổ sung.",
                f"The dossier is {d.status}; it awaits no correction.",
            )
        slips = [x for x in d.documents if x.kind == "correction_request"]
        if not slips:
            raise NotFound("document")
        earlier = [n for n in d.notices if n.kind == "correction_request"]
        now = utcnow()
        if earlier and now - earlier[-1].at < RESEND_PAUSE:
            return None
        notice = Notice(kind="correction_request", number=slips[-1].number, at=now, by=by)
        return d.model_copy(update={"notices": [*d.notices, notice]})

    return _save(dossier_id, remind)
