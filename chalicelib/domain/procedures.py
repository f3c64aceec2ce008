"""The five COVID-19 support procedures of Decision 15/2020/QĐ-TTg, as data.

Each rule lives here beside the code that reads it: who submits, the eligibility window, the
attachments required, the time limit in working days and the authority a dossier goes to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["Procedure", "PROCEDURES", "procedure", "UnknownProcedure"]

Submitter = Literal["employer", "household", "worker"]


class UnknownProcedure(KeyError):
    """A procedure code this office does not handle."""


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
    time_limit_days: int
    """Working days BHXH has for its part, counted from reception."""
    forwarded_to: str | None
    """Who decides after BHXH: `province` (People's Committee), `social_policy_bank`, or None."""
    registry_check: bool
    """Whether BHXH confirms the workers' participation against the registry."""
    min_months: int = 1
    optional_components: tuple[str, ...] = ("agreement",)
    """Components the portal may send and declare besides the required ones."""

    @property
    def components(self) -> tuple[str, ...]:
        """Every component this procedure knows: what `?component=` may name."""
        return tuple(dict.fromkeys(self.required_components + self.optional_components))


_WINDOW = (date(2020, 4, 1), date(2020, 6, 30))

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
            time_limit_days=2,
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
            time_limit_days=2,
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
            time_limit_days=2,
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
            time_limit_days=2,
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
            time_limit_days=5,
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
