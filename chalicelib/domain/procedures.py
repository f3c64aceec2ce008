"""The five COVID-19 support procedures of Decision 15/2020/QĐ-TTg, as data.

Each rule lives here beside the code that reads it: who submits, the eligibility window, the
attachments required, the authority a dossier goes to, and the steps with their time limits in
working days (`Step`), each citing where it comes from and whether that source is confirmed
(`docs/deadlines.md` lists what would confirm the ones that are not).

The receipt's appointment (ngày hẹn trả kết quả) is the sum of the steps: BHXH's step, then each
authority's. BHXH's own deadline is its step alone. motcua hands a dossier to the authority named
by `forwarded_to` and hears back once, when it decides; the steps between authorities (district,
then province) are that authority's part, so its deadline is the sum of the steps after BHXH's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["BODIES", "PROCEDURES", "Procedure", "Step", "UnknownProcedure", "body_name", "procedure"]

Submitter = Literal["employer", "household", "worker"]


class UnknownProcedure(KeyError):
    """A procedure code this office does not handle."""


BODIES: dict[str, str] = {
    "bhxh": "Bảo hiểm xã hội",
    "district": "Ủy ban nhân dân cấp huyện",
    "province": "Ủy ban nhân dân cấp tỉnh",
    "social_policy_bank": "Ngân hàng Chính sách xã hội",
    "labour_department": "Sở Lao động - Thương binh và Xã hội",
}
"""The bodies a step can belong to, as a clerk calls them."""


def body_name(body: str, province: str = "") -> str:
    """The body as printed on a slip for the office of ``province`` ("thành phố Hải Phòng")."""
    if not province:
        return BODIES.get(body, body)
    if body == "bhxh":
        return f"Bảo hiểm xã hội {province}"
    if body == "province":
        return f"Ủy ban nhân dân {province}"
    if body == "social_policy_bank":
        return f"Ngân hàng Chính sách xã hội chi nhánh {province}"
    if body == "labour_department":
        return f"Sở Lao động - Thương binh và Xã hội {province}"
    return BODIES.get(body, body)


@dataclass(frozen=True)
class Step:
    """One body's step of a procedure (bước giải quyết) and its time limit."""

    body: str
    """A key of `BODIES`."""
    task: str
    """What the body does in this step, in Vietnamese."""
    days: int
    """Working days, counted from the day the body receives the dossier."""
    source: str
    """Where the time limit comes from."""
    confirmed: bool
    """False: believed, not confirmed by the source (DOMAIN.md marks it **B**)."""
    to_confirm: str = ""
    """For a belief: what would confirm it."""


@dataclass(frozen=True)
class Procedure:
    code: str
    title: str
    """Vietnamese title, as printed on the slips."""
    submitted_by: Submitter
    window_from: date
    """First month a claim may cover (Decision 15/2020: April to June 2020)."""
    window_to: date
    required_components: tuple[str, ...]
    """Codes of the components (`chalicelib.domain.components`) the dossier must carry; how an
    attachment is known to be one is in that module, never by its file name alone."""
    steps: tuple[Step, ...]
    """BHXH's step first, then the authorities' in order."""
    forwarded_to: str | None
    """Who decides after BHXH: `province` (People's Committee), `social_policy_bank`, or None."""
    registry_check: bool
    """Whether BHXH confirms the workers' participation against the registry."""
    min_months: int = 1
    legal_basis: str = "Quyết định số 15/2020/QĐ-TTg ngày 24/4/2020 của Thủ tướng Chính phủ"
    """The decision the procedure (and its time limits) stands on, as the receipt cites it; each
    step's `source` says where its time limit was read."""
    optional_components: tuple[str, ...] = ("agreement",)
    """Components the portal may send and declare besides the required ones."""

    @property
    def bhxh_days(self) -> int:
        """Working days of BHXH's own step: its deadline, counted from the complete dossier."""
        return self.steps[0].days

    @property
    def authority_days(self) -> int:
        """Working days of every step after BHXH's: the deadline of the authority it is forwarded to."""
        return sum(s.days for s in self.steps[1:])

    @property
    def time_limit_days(self) -> int:
        """Working days until the applicant gets the result: the sum of the steps (printed on the receipt)."""
        return sum(s.days for s in self.steps)

    @property
    def sources(self) -> str:
        """The legal sources of the steps, as the receipt cites them."""
        return "; ".join(dict.fromkeys(s.source for s in self.steps))

    def __post_init__(self) -> None:
        if not self.steps or self.steps[0].body != "bhxh":
            raise ValueError(f"{self.code}: the first step is BHXH's")
        if any(s.body not in BODIES or not 0 < s.days <= 30 for s in self.steps):
            raise ValueError(f"{self.code}: a step names an unknown body or an implausible time limit")
        if (self.forwarded_to is None) != (len(self.steps) == 1):
            raise ValueError(f"{self.code}: steps after BHXH's exactly when the dossier is forwarded")

    @property
    def components(self) -> tuple[str, ...]:
        """Every component this procedure knows: what `?component=` may name."""
        return tuple(dict.fromkeys(self.required_components + self.optional_components))


_WINDOW = (date(2020, 4, 1), date(2020, 6, 30))

_D15 = "Quyết định 15/2020/QĐ-TTg"
_LAO_CAI = f"{_D15}; thủ tục mã 33872, Cổng dịch vụ công tỉnh Lào Cai"
_LOAN_PAGE = f"{_D15}; trang thủ tục vay vốn trả lương ngừng việc, Cổng Dịch vụ công quốc gia"

PROCEDURES: dict[str, Procedure] = {
    p.code: p
    for p in (
        Procedure(
            code="suspension_support",
            title="Hỗ trợ người lao động tạm hoãn hợp đồng lao động, nghỉ việc không hưởng lương",
            submitted_by="employer",
            window_from=_WINDOW[0],
            window_to=_WINDOW[1],
            required_components=("request", "worker_list"),
            steps=(
                Step("bhxh", "Xác nhận tham gia bảo hiểm xã hội của người lao động", 3, _LAO_CAI, True),
                Step("district", "Thẩm định, trình Ủy ban nhân dân cấp tỉnh", 3, _LAO_CAI, True),
                Step("province", "Quyết định phê duyệt danh sách và kinh phí hỗ trợ", 2, _LAO_CAI, True),
            ),
            forwarded_to="province",
            registry_check=True,
        ),
        Procedure(
            code="wage_loan",
            title="Vay vốn để trả lương ngừng việc đối với người lao động",
            submitted_by="employer",
            window_from=_WINDOW[0],
            window_to=_WINDOW[1],
            required_components=("request", "worker_list"),
            steps=(
                Step("bhxh", "Xác nhận tham gia bảo hiểm xã hội của người lao động", 3, _LOAN_PAGE, True),
                Step("district", "Thẩm định, trình Ủy ban nhân dân cấp tỉnh", 3, _LOAN_PAGE, True),
                Step("province", "Phê duyệt danh sách người sử dụng lao động đủ điều kiện vay", 2, _LOAN_PAGE, True),
                Step("social_policy_bank", "Thẩm định và giải ngân cho vay", 3, _LOAN_PAGE, True),
            ),
            forwarded_to="social_policy_bank",
            registry_check=True,
        ),
        Procedure(
            code="household_business",
            title="Hỗ trợ hộ kinh doanh có doanh thu khai thuế dưới 100 triệu đồng/năm tạm ngừng kinh doanh",
            submitted_by="household",
            window_from=_WINDOW[0],
            window_to=_WINDOW[1],
            required_components=("request",),
            steps=(
                Step(
                    "bhxh",
                    "Tiếp nhận, chuyển hồ sơ (không thuộc thẩm quyền của Bảo hiểm xã hội)",
                    2,
                    _D15,
                    False,
                    "Quyết định 15/2020/QĐ-TTg Điều 16: hồ sơ nộp tại Ủy ban nhân dân cấp xã, không qua Bảo hiểm xã hội",
                ),
                Step(
                    "province",
                    "Quyết định hỗ trợ",
                    5,
                    _D15,
                    False,
                    "Quyết định 15/2020/QĐ-TTg Điều 16: thời hạn của cấp xã, Chi cục Thuế, cấp huyện và cấp tỉnh",
                ),
            ),
            forwarded_to="province",
            registry_check=False,
        ),
        Procedure(
            code="terminated_no_benefit",
            title="Hỗ trợ người lao động bị chấm dứt hợp đồng lao động nhưng không đủ điều kiện hưởng trợ cấp thất nghiệp",
            submitted_by="worker",
            window_from=_WINDOW[0],
            window_to=_WINDOW[1],
            required_components=("request",),
            steps=(
                Step(
                    "bhxh",
                    "Xác nhận tham gia bảo hiểm thất nghiệp và không đủ điều kiện hưởng trợ cấp thất nghiệp",
                    2,
                    f"{_D15}; thủ tục mã 228396, Cổng Dịch vụ công quốc gia (tổng 05 ngày làm việc)",
                    False,
                    "Văn bản nêu thời hạn riêng của bước xác nhận của Bảo hiểm xã hội trong 05 ngày làm việc",
                ),
                Step(
                    "province",
                    "Quyết định hỗ trợ",
                    3,
                    f"{_D15}; thủ tục mã 228396, Cổng Dịch vụ công quốc gia (tổng 05 ngày làm việc)",
                    False,
                    "Văn bản nêu thời hạn riêng của Ủy ban nhân dân cấp tỉnh (Sở Lao động - Thương binh và Xã hội)",
                ),
            ),
            forwarded_to="province",
            registry_check=True,
        ),
        Procedure(
            code="pension_pause",
            title="Tạm dừng đóng vào quỹ hưu trí và tử tuất",
            submitted_by="employer",
            window_from=_WINDOW[0],
            window_to=date(2020, 12, 31),
            required_components=("request", "worker_list"),
            steps=(
                Step(
                    "bhxh",
                    "Xem xét, quyết định tạm dừng đóng vào quỹ hưu trí và tử tuất",
                    5,
                    f"{_D15}; thủ tục mã 274036 và 234778, Cổng Dịch vụ công quốc gia",
                    True,
                ),
            ),
            forwarded_to=None,
            registry_check=True,
        ),
    )
}


def procedure(code: str) -> Procedure:
    try:
        return PROCEDURES[code]
    except KeyError:
        raise UnknownProcedure(code) from None
