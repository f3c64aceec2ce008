"""Each body's deadline for its step of a dossier, and how that step ended (thời hạn từng bước).

A dossier's clock starts when it is complete (the submission the checks accept): BHXH's step then
runs for the procedure's BHXH days; when BHXH hands the dossier to the authority, the authority's
step starts, with its own days counted from that day. The receipt's appointment is the sum of the
steps from the start. A correction request stops the clock; the corrected submission starts it
again from zero (the history shows both).

An apology (Mẫu 04) is owed by the body whose step will miss its deadline, at the latest on the
working day before that deadline; it moves the step's deadline and the appointment, once per
dossier. Pure code: the calendar is passed in.

Examples
--------
>>> from chalicelib.domain.workdays import WorkingCalendar
>>> cal = WorkingCalendar()
>>> step = open_step("bhxh", "Bảo hiểm xã hội thành phố Hải Phòng", 3, "QĐ 15/2020", datetime(2020, 4, 28, 9, 0), cal)
>>> step.due
datetime.date(2020, 5, 5)
>>> outcome(step.due, date(2020, 5, 4))
'ahead'
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.workdays import VIETNAM_TZ, WorkingCalendar

__all__ = [
    "DEFAULT_REASONS",
    "OUTCOME_TITLES",
    "REASONS",
    "DelayReport",
    "Outcome",
    "StepDeadline",
    "apology_due_by",
    "close_step",
    "local_day",
    "open_step",
    "outcome",
    "predicted_late",
]

Outcome = Literal["ahead", "on", "after"]
OUTCOME_TITLES: dict[str, str] = {"ahead": "Trước hạn", "on": "Đúng hạn", "after": "Quá hạn"}

DEFAULT_REASONS: dict[str, str] = {
    "bhxh": "Cần thêm thời gian đối chiếu dữ liệu tham gia bảo hiểm xã hội của người lao động.",
    "authority": "Cơ quan có thẩm quyền cần thêm thời gian thẩm định hồ sơ.",
}
"""The reason printed when the late body gave none (a clerk or the authority normally does)."""

REASONS: tuple[str, ...] = (
    "Cần thêm thời gian đối chiếu dữ liệu tham gia bảo hiểm xã hội của người lao động.",
    "Cơ sở dữ liệu của cơ quan bảo hiểm xã hội đang được cập nhật, chưa đối chiếu được.",
    "Hệ thống thông tin gặp sự cố kỹ thuật.",
    "Cần xác minh thêm thông tin với đơn vị sử dụng lao động.",
    "Cơ quan có thẩm quyền cần thêm thời gian thẩm định hồ sơ.",
)
"""Reasons a clerk can pick in the console (or type another)."""


class DelayReport(BaseModel):
    """Body of `POST /v1/dossiers/{id}/delay`: the late body says why, and how many more working days."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(
        min_length=5, max_length=500, description="why the step will be late, printed on the apology (Mẫu 04)"
    )
    days: int | None = Field(
        default=None, ge=1, le=30, description="more working days the step needs; default: its own time limit again"
    )


class StepDeadline(BaseModel):
    """One body's step of one dossier: when it started, its own deadline, how it ended."""

    body: str
    """`bhxh`, or the authority's code (`province`, `social_policy_bank`)."""
    name: str
    """The body as printed (Bảo hiểm xã hội thành phố Hải Phòng)."""
    days: int
    """Its time limit in working days."""
    source: str
    """The legal source of that time limit."""
    started_at: datetime
    due: date
    """The deadline the law gives: `days` working days after the day it received the dossier."""
    moved_to: date | None = None
    """The new deadline an apology gave (once)."""
    done_at: datetime | None = None
    outcome: Outcome | None = None
    """How it ended against `due` (its own deadline, not the moved one)."""
    delay_reason: str | None = None
    """Why it is late, as the body gave it (a clerk in the console, the authority through the API)."""
    delay_reason_by: str | None = None
    delay_days: int | None = None
    """How many more working days the body said it needs (None: its own time limit again)."""
    apology: str | None = None
    """The number of the apology slip issued in this body's name."""

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def current_due(self) -> date:
        return self.moved_to or self.due


def local_day(moment: datetime) -> date:
    """The day of ``moment`` in Vietnam."""
    return moment.astimezone(VIETNAM_TZ).date() if moment.tzinfo else moment.date()


def open_step(body: str, name: str, days: int, source: str, started_at: datetime, cal: WorkingCalendar) -> StepDeadline:
    """A step received at ``started_at``: its deadline is ``days`` working days after the day that counts."""
    return StepDeadline(
        body=body,
        name=name,
        days=days,
        source=source,
        started_at=started_at,
        due=cal.add_working_days(started_at, days),
    )


def outcome(due: date, done: date) -> Outcome:
    """Ahead of, on or past ``due`` (trước hạn, đúng hạn, quá hạn)."""
    return "ahead" if done < due else "on" if done == due else "after"


def close_step(step: StepDeadline, at: datetime) -> StepDeadline:
    """The step ended at ``at`` (the hand-over), with its outcome against its own deadline."""
    if not step.is_open:
        return step
    return step.model_copy(update={"done_at": at, "outcome": outcome(step.due, local_day(at))})


def apology_due_by(step: StepDeadline, cal: WorkingCalendar) -> date:
    """The last day the body may apologise: the working day before the step's deadline."""
    return cal.previous_working_day(step.due)


def predicted_late(step: StepDeadline, today: date, cal: WorkingCalendar) -> bool:
    """Will this open step miss its deadline? Its body said so (a delay reason), or it is still
    open on the last day it could apologise (the working day before the deadline), or later."""
    if not step.is_open or step.moved_to is not None:
        return False
    return step.delay_reason is not None or today >= apology_due_by(step, cal)
