"""The one state machine of a dossier. Every status change goes through `advance`.

An illegal transition raises `IllegalTransition`: a retried message, a double click or a second,
contradicting decision can never silently overwrite where a dossier stands.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FINAL", "TITLES", "TRANSITIONS", "IllegalTransition", "Status", "can_advance", "check_transition"]


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    NEEDS_CORRECTION = "needs_correction"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    FORWARDED = "forwarded"
    DECIDED = "decided"
    RETURNED = "returned"


TITLES: dict[Status, str] = {
    Status.DRAFT: "Đang soạn",
    Status.SUBMITTED: "Đã nộp",
    Status.PROCESSING: "Đang kiểm tra",
    Status.NEEDS_CORRECTION: "Cần bổ sung",
    Status.REJECTED: "Từ chối tiếp nhận",
    Status.ACCEPTED: "Đã tiếp nhận",
    Status.CONFIRMED: "Đã xác nhận",
    Status.FORWARDED: "Đã chuyển cơ quan giải quyết",
    Status.DECIDED: "Đã có kết quả",
    Status.RETURNED: "Đã trả kết quả",
}
"""How a clerk reads each status."""

S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.PROCESSING}),
    S.PROCESSING: frozenset({S.NEEDS_CORRECTION, S.REJECTED, S.ACCEPTED}),
    # The applicant corrects what the correction request (Mẫu 02) listed and submits again.
    S.NEEDS_CORRECTION: frozenset({S.SUBMITTED, S.REJECTED}),
    # Procedures without a registry check are forwarded as received.
    S.ACCEPTED: frozenset({S.CONFIRMED, S.FORWARDED}),
    # `pension_pause` is decided by BHXH itself, without forwarding.
    S.CONFIRMED: frozenset({S.FORWARDED, S.DECIDED}),
    S.FORWARDED: frozenset({S.DECIDED}),
    S.DECIDED: frozenset({S.RETURNED}),
    S.REJECTED: frozenset(),
    S.RETURNED: frozenset(),
}

FINAL: frozenset[Status] = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)


class IllegalTransition(Exception):
    """A status change the rules do not allow from where the dossier stands."""

    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


def can_advance(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    if not can_advance(current, target):
        raise IllegalTransition(current, target)
