"""The insurance registry's entities: units, participation periods and participants.

Why here: the checks judge a worker against these, and the loader and the DynamoDB adapter store them;
the values belong to the domain, the items they become in DynamoDB to the adapter
(`chalicelib.adapters.registry`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.names import identity_key as make_identity_key

__all__ = ["Participant", "Period", "Unit", "content_digest", "month_of"]


def month_of(value: str | date) -> str:
    """`YYYY-MM` of a month string, an ISO date string or a date."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return value[:7]


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    tax_code: str
    province_code: str


@dataclass(frozen=True)
class Period:
    """Participation in one unit, from month `from_month` to month `to_month` inclusive (None: still on)."""

    unit_code: str
    from_month: str
    to_month: str | None = None
    ui: bool | None = None
    """Whether unemployment insurance was paid alongside in this period (None: the registry does not say)."""

    def covers(self, month: str | date) -> bool:
        m = month_of(month)
        return self.from_month <= m and (self.to_month is None or m <= self.to_month)


@dataclass(frozen=True)
class Participant:
    si_number: str
    full_name: str
    date_of_birth: str
    """ISO `YYYY-MM-DD`."""
    id_number: str | None
    unit_code: str
    """The unit of the latest period."""
    periods: tuple[Period, ...] = field(default=())
    ui_benefit_from: str | None = None
    """`YYYY-MM`: the month an unemployment benefit decision took effect (BHXH's benefit records), if any."""

    @property
    def identity_key(self) -> str:
        return make_identity_key(self.full_name, self.date_of_birth)

    def participated_in(self, month: str | date) -> bool:
        """Whether some period covers `month` (`YYYY-MM`, an ISO date or a date)."""
        return any(p.covers(month) for p in self.periods)

    def unit_in(self, month: str | date) -> str | None:
        """The unit the participant belonged to in `month` (the latest started if periods overlap)."""
        covering = [p for p in self.periods if p.covers(month)]
        return max(covering, key=lambda p: p.from_month).unit_code if covering else None

    @property
    def has_ui_records(self) -> bool:
        """Whether the registry says anything of this person's unemployment insurance."""
        return self.ui_benefit_from is not None or any(p.ui is not None for p in self.periods)

    def ui_months(self, months: Sequence[str]) -> int:
        """How many of `months` (`YYYY-MM`) a period with unemployment insurance covers."""
        return sum(1 for m in months if any(p.ui and p.covers(m) for p in self.periods))

    @staticmethod
    def latest_unit(periods: Sequence[Period]) -> str:
        """The unit of the latest period: latest start, an open period before a closed one."""
        return max(periods, key=lambda p: (p.from_month, p.to_month is None, p.to_month or "")).unit_code


def content_digest(p: Participant) -> str:
    """A short hash of everything a participant item holds (periods in the order given)."""
    parts = [p.si_number, p.full_name, p.date_of_birth, p.id_number or ""]
    parts += [
        f"{q.unit_code}/{q.from_month}/{q.to_month or ''}" + ("" if q.ui is None else f"/ui{int(q.ui)}")
        for q in p.periods
    ]
    if p.ui_benefit_from:
        parts.append(f"benefit/{p.ui_benefit_from}")
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()
