"""After acceptance: confirmation, forwarding, the decision, the return, and the deadlines.

Queue steps follow the pipeline's rule (see `pipeline.py`): keyed on the dossier's status, saved
before the next message is sent, safe to run twice. Decisions and returns come from people through
the API; the deadline sweep runs on a schedule and issues the apology slip (Mẫu 04) with a new
appointment, once per dossier, for every dossier that is or is about to be late.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable

from pydantic import ValidationError

from chalicelib.adapters.authorities import AUTHORITY_NAMES, deliver
from chalicelib.adapters.store import store
from chalicelib.config import settings
from chalicelib.domain import notes
from chalicelib.domain.actions import awaiting_decision, clerk_may_decide
from chalicelib.domain.dossier import Decision, DecisionBody, Dossier, Notice, utcnow
from chalicelib.domain.messages import StepMessage
from chalicelib.domain.offices import office
from chalicelib.domain.procedures import procedure
from chalicelib.domain.states import Status
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound
from chalicelib.logs import logger
from chalicelib.services import documents
from chalicelib.services.pipeline import load_for_step
from chalicelib.services.saving import save

__all__ = ["workflow_step", "record_decision", "mark_returned", "resend_correction_request", "sweep_deadlines", "handovers", "APOLOGY_REASON"]

SYSTEM = "system:workflow"
APOLOGY_REASON = "Hồ sơ cần thêm thời gian đối chiếu dữ liệu tham gia bảo hiểm xã hội và chờ kết quả giải quyết của cơ quan có thẩm quyền."
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
    rules = procedure(dossier.procedure)
    if dossier.status == Status.ACCEPTED and rules.registry_check:
        slip = documents.issue(dossier, "confirmation", f"confirmed#{message.round}")

        def confirm(d: Dossier) -> Dossier | None:
            if d.status != Status.ACCEPTED:
                return None
            return d.model_copy(update={"documents": [*d.documents, slip]}).advance(Status.CONFIRMED, by=SYSTEM)

        dossier = _save(dossier.id, confirm, current=dossier)
    ready = dossier.status == Status.CONFIRMED or (dossier.status == Status.ACCEPTED and not rules.registry_check)
    if ready and rules.forwarded_to:
        how = deliver(dossier, rules.forwarded_to)
        to = notes.forwarded(rules.forwarded_to, AUTHORITY_NAMES[rules.forwarded_to], how)

        def forward(d: Dossier) -> Dossier | None:
            if d.status not in (Status.CONFIRMED, Status.ACCEPTED):
                return None
            return d.model_copy(update={"forwarded_to": rules.forwarded_to}).advance(Status.FORWARDED, by=SYSTEM, note=to)

        dossier = _save(dossier.id, forward, current=dossier)
    logger().info("workflow step", extra={"dossier_id": dossier.id, "status": dossier.status.value})


def _parse_decision(body: Any) -> DecisionBody:
    try:
        return DecisionBody.model_validate(body)
    except ValidationError as error:
        from chalicelib.services.intake import validation_details

        raise InvalidInput("invalid_body", "Kết quả giải quyết không hợp lệ (result: approved hoặc denied).", "The decision is not valid.", validation_details(error)) from None


def record_decision(dossier_id: str, body: Any, by: str, for_authority: bool = False) -> Dossier:
    """The authority's result: once; the same decision again is no change, a different one a 409.
    `for_authority`: a clerk records it on the authority's behalf, which only an authority with no
    online channel of its own needs (one that has one answers through it)."""
    wanted = _parse_decision(body)

    def decide(d: Dossier) -> Dossier | None:
        if d.decision is not None:
            if d.decision.same_as(wanted):
                return None
            raise Conflict("decision_conflict", "Hồ sơ đã có kết quả giải quyết khác.", "A different decision was already recorded.")
        if for_authority and not clerk_may_decide(d, frozenset(settings().authority_urls)):
            name = AUTHORITY_NAMES.get(d.forwarded_to or "", d.forwarded_to or "")
            raise Conflict(
                "decided_online", f"{name} có hệ thống trực tuyến riêng: kết quả được nhận qua hệ thống đó.",
                f"{d.forwarded_to} answers through its own online system; a clerk does not record its decision.",
            )
        if not awaiting_decision(d):
            raise Conflict("not_awaiting_decision", f"Hồ sơ đang ở trạng thái «{d.status}», chưa thể ghi kết quả.", f"The dossier is {d.status}; it awaits no decision.")
        decision = Decision(**wanted.model_dump(), by=by, at=utcnow())
        return d.model_copy(update={"decision": decision}).advance(Status.DECIDED, by=by, note=notes.decided(wanted.result, wanted.amount, wanted.note))

    return _save(dossier_id, decide)


def handovers(dossier: Dossier) -> list[dict[str, Any]]:
    """The rows of the control slip (Mẫu 05): each step, who handed to whom, and against the due date."""
    rows = []
    holders = {
        Status.DRAFT: "Cổng Dịch vụ công quốc gia",
        Status.SUBMITTED: "Bộ phận tiếp nhận và trả kết quả",
        Status.PROCESSING: "Hệ thống một cửa điện tử (kiểm tra hồ sơ)",
        Status.ACCEPTED: office(dossier.office).name,
        Status.CONFIRMED: office(dossier.office).name,
        Status.FORWARDED: AUTHORITY_NAMES.get(dossier.forwarded_to or "", "Cơ quan có thẩm quyền"),
        Status.DECIDED: "Bộ phận tiếp nhận và trả kết quả",
        Status.RETURNED: "Người nộp hồ sơ",
    }
    due = dossier.original_due_date or dossier.due_date
    for before, entry in zip(dossier.history, dossier.history[1:]):
        day = entry.at.astimezone(VIETNAM_TZ).date()
        outcome = None if due is None else ("ahead" if day < due else "on" if day == due else "after")
        rows.append({"at": entry.at, "giver": holders.get(before.status, before.status.value), "receiver": holders.get(entry.status, entry.status.value), "due": due, "outcome": outcome})
    return rows


def mark_returned(dossier_id: str, by: str) -> Dossier:
    """The result handed back to the applicant: the dossier closes with its control slip."""
    dossier = store().get(dossier_id)
    if dossier.status != Status.DECIDED:
        if dossier.status == Status.RETURNED:
            return dossier
        raise Conflict("not_decided", "Hồ sơ chưa có kết quả giải quyết.", "The dossier has no decision yet.")
    closing = dossier.advance(Status.RETURNED, by=by)
    slip = documents.issue(closing, "control_slip", "returned", handovers=handovers(closing))

    def close(d: Dossier) -> Dossier | None:
        if d.status != Status.DECIDED:
            return None
        return d.model_copy(update={"documents": [*d.documents, slip]}).advance(Status.RETURNED, by=by, at=closing.history[-1].at)

    return _save(dossier_id, close)


def sweep_deadlines(as_of: date | None = None) -> int:
    """Mark every open dossier that is late, or will be before the next working day, as overdue and
    send its apology (Mẫu 04) with a new appointment; answers how many were marked."""
    calendar = documents.calendar()
    today = as_of or datetime.now(VIETNAM_TZ).date()
    horizon = calendar.next_working_day(today)
    marked = 0
    for status in OPEN:
        for dossier in store().in_status(status):
            if dossier.overdue or dossier.due_date is None or dossier.due_date >= horizon:
                continue
            new_due = calendar.add_working_days(today, procedure(dossier.procedure).time_limit_days)
            slip = documents.issue(dossier, "apology", "overdue#1", original_due=dossier.due_date, new_due=new_due, reason=APOLOGY_REASON)

            def mark(d: Dossier, slip: Any = slip, new_due: date = new_due) -> Dossier | None:
                if d.overdue or d.status not in OPEN:
                    return None
                return d.model_copy(update={"overdue": True, "original_due_date": d.due_date, "due_date": new_due, "documents": [*d.documents, slip]})

            _save(dossier.id, mark)
            marked += 1
    return marked


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
