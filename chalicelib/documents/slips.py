"""What each slip says: one frozen data class per kind of slip (phiếu).

The kinds and their forms (Circular 01/2018/TT-VPCP, and BHXH's own confirmation):

============================  =========  ===============================================
kind                          form       title printed
============================  =========  ===============================================
``receipt``                   Mẫu 01     GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ
``correction_request``        Mẫu 02     PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ
``refusal``                   Mẫu 03     PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ
``apology``                   Mẫu 04     PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ
``control_slip``              Mẫu 05     PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ
``confirmation``              BHXH       XÁC NHẬN THAM GIA BẢO HIỂM XÃ HỘI BẮT BUỘC
============================  =========  ===============================================

Lists inside a slip (attachments, findings, hand-overs, workers) accept the data classes below,
plain mappings with the same keys (as the API and the store carry them) or any object with those
attributes; they are converted once, when the slip is made. Dates may be ISO strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

__all__ = [
    "KIND_CODES",
    "OUTCOMES",
    "SLIP_CLASSES",
    "TITLES",
    "Agency",
    "ApologySlip",
    "Applicant",
    "Attachment",
    "ConfirmationSlip",
    "ControlSlip",
    "CorrectionRequestSlip",
    "DecisionSlip",
    "Employer",
    "Finding",
    "Handover",
    "ReceiptSlip",
    "RefusalSlip",
    "Slip",
    "Worker",
]

KIND_CODES: dict[str, str] = {
    # the slip number's letters (số phiếu 000123/2026/TNHS-031)
    "receipt": "TNHS",  # tiếp nhận hồ sơ
    "correction_request": "YCBS",  # yêu cầu bổ sung
    "refusal": "TCHS",  # từ chối hồ sơ
    "apology": "XL",  # xin lỗi
    "control_slip": "KS",  # kiểm soát
    "confirmation": "XN",  # xác nhận
    "decision": "QD",  # quyết định (of BHXH itself: the pension-fund pause)
}
"""The kinds of slip, and the letters each one's number carries."""
TITLES: dict[str, str] = {
    "receipt": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "correction_request": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "control_slip": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "confirmation": "XÁC NHẬN THAM GIA BẢO HIỂM XÃ HỘI BẮT BUỘC",
    "decision": "QUYẾT ĐỊNH",
}
"""The title printed on each kind of slip, with its diacritics (NFC)."""

OUTCOMES: dict[str, str] = {"ahead": "Trước hạn", "on": "Đúng hạn", "after": "Quá hạn"}
"""A hand-over's outcome (kết quả giải quyết) against its due time."""
_OUTCOME_ALIASES = {"early": "ahead", "on_time": "on", "ontime": "on", "late": "after", "overdue": "after"}


def _coerce(cls: type, item: Any) -> Any:
    """An instance of the data class ``cls`` from itself, a mapping or an object with attributes."""
    if isinstance(item, cls):
        return item
    names = [f.name for f in dataclasses.fields(cls)]
    if isinstance(item, Mapping):
        values = {n: item[n] for n in names if n in item}
    else:
        values = {n: getattr(item, n) for n in names if hasattr(item, n)}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValueError(f"{cls.__name__} expected the keys {names}, got {sorted(values)}") from exc


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 7:  # a month, YYYY-MM
        text += "-01"
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ValueError(f"expected an ISO date, got {value!r}") from exc


def _as_moment(value: date | datetime | str | None) -> date | datetime | None:
    """A datetime (kept with its time) or a date."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) > 10 else date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"expected an ISO date or datetime, got {value!r}") from exc


def _tuple_of(cls: type, items: Any) -> tuple:
    return tuple(_coerce(cls, i) for i in (items or ()))


@dataclass(frozen=True)
class Agency:
    """The office that issues the slip (cơ quan, bộ phận tiếp nhận và trả kết quả)."""

    name: str
    """E.g. ``Bảo hiểm xã hội thành phố Hải Phòng``."""
    province: str
    """The place printed before the date: ``Hải Phòng, ngày ... tháng ... năm ...``."""
    office_code: str = ""
    """The province code of the office (``031``), as in the tokens' ``office`` claim."""
    parent: str = "Bảo hiểm xã hội Việt Nam"
    """The agency above it, printed on the first header line."""
    desk: str = "Bộ phận tiếp nhận và trả kết quả"
    """Bộ phận một cửa."""
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Applicant:
    """Who the dossier is from (tổ chức, cá nhân nộp hồ sơ)."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Attachment:
    """One item of the dossier (thành phần hồ sơ) with its count."""

    name: str
    count: int = 1
    form: str = "bản điện tử"
    """How it was given: ``bản điện tử``, ``bản chính``, ``bản sao``."""


@dataclass(frozen=True)
class Finding:
    """A problem found in the dossier, as the checks report it."""

    code: str
    message: str
    field: str | None = None
    row: int | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Handover:
    """One hand-over of the dossier between desks (giao, nhận hồ sơ)."""

    at: datetime | str | None
    """When it was handed over; None for the last row of an open dossier (still being handled)."""
    giver: str
    """1. Giao: the agency (or desk) that hands the dossier over."""
    receiver: str
    """2. Nhận: the agency that receives it."""
    due: date | datetime | str | None = None
    """The deadline of the giver's step that ends here (None: no time limit ends here)."""
    outcome: str | None = None
    """``ahead``, ``on`` or ``after`` (trước hạn, đúng hạn, quá hạn) against ``due``; None when no
    step ends here or it is still in progress."""
    note: str = ""
    giver_person: str = ""
    """Người giao."""
    receiver_person: str = ""
    """Người nhận."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _as_moment(self.at))
        object.__setattr__(self, "due", _as_moment(self.due))
        if self.outcome is not None:
            outcome = _OUTCOME_ALIASES.get(self.outcome, self.outcome)
            if outcome not in OUTCOMES:
                raise ValueError(f"expected an outcome among {sorted(OUTCOMES)}, got {self.outcome!r}")
            object.__setattr__(self, "outcome", outcome)


@dataclass(frozen=True)
class Worker:
    """One worker on a confirmation (người lao động)."""

    full_name: str
    si_number: str
    date_of_birth: date | str
    period_from: date | str | None = None
    period_to: date | str | None = None

    def __post_init__(self) -> None:
        for name in ("date_of_birth", "period_from", "period_to"):
            object.__setattr__(self, name, _as_date(getattr(self, name)))


@dataclass(frozen=True)
class Employer:
    """The unit the confirmed workers belong to (đơn vị sử dụng lao động)."""

    name: str
    unit_code: str = ""
    tax_code: str = ""
    address: str = ""


@dataclass(frozen=True, kw_only=True)
class Slip:
    """What every slip has: its kind, number, dossier, issuing office and date."""

    kind: ClassVar[str] = ""
    number: str
    """Unique per office and year; issued by the store, only printed here."""
    portal_code: str
    """The dossier's code on the national portal (mã hồ sơ)."""
    agency: Agency
    issued_at: datetime
    procedure_title: str = ""
    """Nội dung yêu cầu giải quyết: the procedure's name."""
    signer_title: str = "NGƯỜI TIẾP NHẬN HỒ SƠ"
    """Heading of the signature block."""
    signer_name: str = ""
    """The clerk or head who signs; the system signs digitally in any case."""

    def __post_init__(self) -> None:
        if isinstance(self.agency, Mapping):
            object.__setattr__(self, "agency", _coerce(Agency, self.agency))
        if isinstance(getattr(self, "applicant", None), Mapping):
            object.__setattr__(self, "applicant", _coerce(Applicant, self.applicant))  # type: ignore[attr-defined]
        object.__setattr__(self, "issued_at", _as_moment(self.issued_at))
        if not self.number or not self.portal_code:
            raise ValueError("a slip needs its number and the dossier's portal_code")

    @property
    def office(self) -> str:
        """The issuing office's code."""
        return self.agency.office_code

    @property
    def title(self) -> str:
        return TITLES[self.kind]


@dataclass(frozen=True, kw_only=True)
class ReceiptSlip(Slip):
    """Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""

    kind: ClassVar[str] = "receipt"
    applicant: Applicant
    attachments: tuple[Attachment, ...]
    time_limit_days: int
    """Thời gian giải quyết theo quy định, in working days."""
    received_at: datetime
    due_at: date | datetime
    """The appointment (from the working-day calendar)."""
    result_place: str
    """Where the result is collected (đăng ký nhận kết quả tại)."""
    bhxh_days: int | None = None
    """Working days of BHXH's own step, when other bodies' steps follow."""
    bhxh_due_at: date | datetime | None = None
    """BHXH's own deadline (a separate date from the appointment, which is the result's)."""
    legal_basis: str = ""
    """Where the time limits come from."""
    register_book: str
    """Quyển số of the dossier register (sổ theo dõi hồ sơ)."""
    register_sequence: int | str
    """Số thứ tự in that book."""
    dossier_count: int = 1
    """Số lượng hồ sơ (bộ)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "attachments", _tuple_of(Attachment, self.attachments))
        object.__setattr__(self, "received_at", _as_moment(self.received_at))
        object.__setattr__(self, "due_at", _as_moment(self.due_at))
        object.__setattr__(self, "bhxh_due_at", _as_moment(self.bhxh_due_at))


@dataclass(frozen=True, kw_only=True)
class CorrectionRequestSlip(Slip):
    """Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: every finding at once."""

    kind: ClassVar[str] = "correction_request"
    applicant: Applicant
    findings: tuple[Finding, ...]
    contact_name: str = ""
    """Whom to call while completing the dossier."""
    contact_phone: str = ""
    signer_title: str = "NGƯỜI HƯỚNG DẪN"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "findings", _tuple_of(Finding, self.findings))
        if not self.findings:
            raise ValueError("a correction request lists at least one finding")


@dataclass(frozen=True, kw_only=True)
class RefusalSlip(Slip):
    """Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ."""

    kind: ClassVar[str] = "refusal"
    applicant: Applicant
    reasons: tuple[str, ...]
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "reasons", tuple(self.reasons))
        object.__setattr__(self, "received_at", _as_moment(self.received_at))
        if not self.reasons:
            raise ValueError("a refusal gives at least one reason")


@dataclass(frozen=True, kw_only=True)
class ApologySlip(Slip):
    """Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả."""

    kind: ClassVar[str] = "apology"
    applicant: Applicant
    received_at: datetime
    original_due: date | datetime
    reason: str
    new_due: date | datetime
    signer_title: str = "THỦ TRƯỞNG CƠ QUAN"
    received_by: str = ""
    """Who received the dossier (the one-stop desk of the BHXH office); ``agency`` is the body that
    is late and apologises (it may be an authority, not BHXH)."""
    step: str = ""
    """The late body's step, as the slip names it (xác nhận, thẩm định, quyết định)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("received_at", "original_due", "new_due"):
            object.__setattr__(self, name, _as_moment(getattr(self, name)))


@dataclass(frozen=True, kw_only=True)
class ControlSlip(Slip):
    """Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ."""

    kind: ClassVar[str] = "control_slip"
    receipt_number: str
    """The number of the receipt (Mẫu 01) it goes with."""
    handling_unit: str
    """Cơ quan (bộ phận) giải quyết hồ sơ."""
    handovers: tuple[Handover, ...]
    cooperating_units: str = ""
    """Cơ quan phối hợp giải quyết hồ sơ."""
    due_at: date | datetime | None = None
    """The appointment (the first one, when an apology moved it)."""
    moved_due_at: date | datetime | None = None
    """The appointment an apology (Mẫu 04) gave instead."""

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "handovers", _tuple_of(Handover, self.handovers))
        object.__setattr__(self, "due_at", _as_moment(self.due_at))
        object.__setattr__(self, "moved_due_at", _as_moment(self.moved_due_at))


@dataclass(frozen=True, kw_only=True)
class ConfirmationSlip(Slip):
    """BHXH's confirmation that the listed workers take part in compulsory social insurance."""

    kind: ClassVar[str] = "confirmation"
    employer: Employer
    workers: tuple[Worker, ...]
    statement: str = (
        "Cơ quan bảo hiểm xã hội xác nhận những người lao động có tên trong danh sách trên "
        "đang tham gia bảo hiểm xã hội bắt buộc tại đơn vị."
    )
    party: str = "Đơn vị sử dụng lao động"
    """Who applied, as the procedure names them (a worker filing for themselves: "Người lao động")."""
    signer_title: str = "GIÁM ĐỐC"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.employer, Mapping):
            object.__setattr__(self, "employer", _coerce(Employer, self.employer))
        object.__setattr__(self, "workers", _tuple_of(Worker, self.workers))
        if not self.workers:
            raise ValueError("a confirmation lists at least one worker")


@dataclass(frozen=True, kw_only=True)
class DecisionSlip(Slip):
    """BHXH's own decision, where BHXH decides (the pause of pension and survivorship contributions):
    approved or not, for the unit and its listed workers, on the legal basis of the dossier's period.
    It carries no amount."""

    kind: ClassVar[str] = "decision"
    employer: Employer
    approved: bool
    workers: int
    """How many workers the dossier lists."""
    period_from: date | None = None
    period_to: date | None = None
    legal_basis: str = ""
    note: str = ""
    signer_title: str = "GIÁM ĐỐC"

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.employer, Mapping):
            object.__setattr__(self, "employer", _coerce(Employer, self.employer))


SLIP_CLASSES: dict[str, type[Slip]] = {
    cls.kind: cls
    for cls in (
        ReceiptSlip,
        CorrectionRequestSlip,
        RefusalSlip,
        ApologySlip,
        ControlSlip,
        ConfirmationSlip,
        DecisionSlip,
    )
}
"""The data class of each kind."""
