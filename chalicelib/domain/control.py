"""The rows of the control slip (Mẫu 05, Circular 01/2018/TT-VPCP) from a dossier's history and steps.

Each row is one hand-over: the agency that hands over (1. Giao) and the one that receives (2. Nhận),
the time, who hands over and who receives, and the result of the step that ends there against that
step's own deadline (ahead of / on / past). A row without a result is a hand-over where no body's
time limit ends (the reception, a correction request); the last row of an open dossier says who
holds it and until when.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.deadlines import StepDeadline, local_day, outcome
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.offices import office
from chalicelib.domain.procedures import body_name, procedure_of
from chalicelib.domain.states import Status

__all__ = ["APPLICANT", "DESK", "control_rows", "person"]

DESK = "Bộ phận tiếp nhận và trả kết quả"
APPLICANT = "Tổ chức, cá nhân nộp hồ sơ (qua Cổng Dịch vụ công quốc gia)"


def person(label: str) -> str:
    """Who acted, as the slip can print it without personal data (role and account)."""
    role, _, rest = label.partition(":")
    account = rest.rsplit(":", 1)[-1] if rest else ""
    if role == "system":
        return "Hệ thống một cửa điện tử (tự động)"
    if role == "portal":
        return "Cổng Dịch vụ công quốc gia"
    titles = {"clerk": "Công chức", "authority": "Cán bộ cơ quan giải quyết", "admin": "Quản trị"}
    return f"{titles.get(role, role)} (tài khoản {account})" if account else titles.get(role, role)


def _day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else ""


def _doc(dossier: Dossier, kind: str, event_prefix: str = "") -> str:
    found = [d.number for d in dossier.documents if d.kind == kind and d.event.startswith(event_prefix)]
    return found[-1] if found else ""


def _step(dossier: Dossier, body: str) -> StepDeadline | None:
    found = [s for s in dossier.steps if s.body == body]
    return found[-1] if found else None


def _late_note(step: StepDeadline | None) -> str:
    if step is None or step.moved_to is None:
        return ""
    why = f" Lý do: {step.delay_reason}" if step.delay_reason else ""
    if not step.apology:
        return f"Gia hạn xử lý đến ngày {_day(step.moved_to)}, không lùi ngày hẹn trả kết quả.{why}"
    return f"Hẹn lại đến ngày {_day(step.moved_to)} (Phiếu xin lỗi số {step.apology}).{why}"


def control_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """The hand-overs of ``dossier`` as the control slip lists them (keys of `slips.Handover`)."""
    province = office(dossier.office).province
    bhxh = body_name("bhxh", province)
    rules = procedure_of(dossier)
    authority = (
        body_name(dossier.forwarded_to or rules.forwarded_to or "", province)
        if (dossier.forwarded_to or rules.forwarded_to)
        else ""
    )
    rows: list[dict[str, Any]] = []
    history = dossier.history
    rounds = 0
    for i, entry in enumerate(history):
        after = history[i + 1].by if i + 1 < len(history) else ""
        row: dict[str, Any] | None = None
        if entry.status == Status.SUBMITTED:
            rounds += 1
            note = (
                "Nộp trực tuyến; bắt đầu tính thời gian giải quyết."
                if rounds == 1
                else "Hồ sơ đã bổ sung; thời gian giải quyết tính lại từ đầu."
            )
            row = {
                "giver": APPLICANT,
                "receiver": f"{DESK}, {bhxh}",
                "giver_person": person(entry.by),
                "receiver_person": person("system:"),
                "note": note,
            }
        elif entry.status == Status.NEEDS_CORRECTION:
            number = _doc(dossier, "correction_request", f"needs_correction#{rounds}")
            row = {
                "giver": f"{DESK}, {bhxh}",
                "receiver": APPLICANT,
                "giver_person": person(entry.by),
                "receiver_person": "",
                "note": f"Yêu cầu bổ sung, hoàn thiện hồ sơ{f' (phiếu số {number})' if number else ''}; dừng tính thời gian giải quyết.",
            }
        elif entry.status == Status.REJECTED:
            row = {
                "giver": f"{DESK}, {bhxh}",
                "receiver": APPLICANT,
                "giver_person": person(entry.by),
                "receiver_person": "",
                "note": "Từ chối tiếp nhận.",
            }
        elif entry.status == Status.ACCEPTED:
            receipt = _doc(dossier, "receipt")
            row = {
                "giver": DESK,
                "receiver": f"{bhxh} (bộ phận giải quyết)",
                "giver_person": person(entry.by),
                "receiver_person": person(after) if after else "",
                "note": f"Tiếp nhận{f' (giấy tiếp nhận số {receipt})' if receipt else ''}; hẹn trả kết quả ngày {_day(dossier.original_due_date or dossier.due_date)}; "
                f"hạn của {bhxh}: ngày {_day(dossier.bhxh_due_date)}.",
            }
        elif entry.status == Status.FORWARDED:
            step = _step(dossier, "bhxh")
            confirmation = _doc(dossier, "confirmation")
            notes = [f"Xác nhận số {confirmation}." if confirmation else "", _late_note(step)]
            row = {
                "giver": bhxh,
                "receiver": authority,
                "giver_person": person(entry.by),
                "receiver_person": person(after) if after else "",
                "due": step.due if step else None,
                "outcome": step.outcome if step else None,
                "note": " ".join(n for n in notes if n),
            }
        elif entry.status == Status.DECIDED:
            body = dossier.forwarded_to or "bhxh"
            step = _step(dossier, body)
            giver = authority if dossier.forwarded_to else bhxh
            row = {
                "giver": giver,
                "receiver": f"{DESK}, {bhxh}",
                "giver_person": person(entry.by),
                "receiver_person": person(after) if after else "",
                "due": step.due if step else None,
                "outcome": step.outcome if step else None,
                "note": " ".join(
                    n for n in (f"Kết quả: {entry.note.message.lower() if entry.note else ''}.", _late_note(step)) if n
                ),
            }
        elif entry.status == Status.RETURNED:
            appointment = dossier.original_due_date or dossier.due_date
            moved = f" (hẹn lại ngày {_day(dossier.due_date)})" if dossier.original_due_date else ""
            row = {
                "giver": f"{DESK}, {bhxh}",
                "receiver": APPLICANT,
                "giver_person": person(entry.by),
                "receiver_person": "",
                "due": appointment,
                "outcome": outcome(appointment, local_day(entry.at)) if appointment else None,
                "note": f"Trả kết quả; ngày hẹn {_day(appointment)}{moved}.",
            }
        if row is not None:
            rows.append({"at": entry.at, "due": None, "outcome": None, **row})
    open_steps = [s for s in dossier.steps if s.is_open]
    if open_steps and dossier.status not in (Status.DECIDED, Status.RETURNED, Status.REJECTED):
        step = open_steps[-1]
        rows.append(
            {
                "at": None,
                "giver": step.name,
                "receiver": "",
                "giver_person": "",
                "receiver_person": "",
                "due": step.due,
                "outcome": None,
                "note": " ".join(n for n in (f"Đang giải quyết; hạn ngày {_day(step.due)}.", _late_note(step)) if n),
            }
        )
    return rows
