"""A suggestion for an unknown SI number, when the registry points to exactly one person.

Tried in order, each by index or batch read (no scans): the same name and date of birth in the
applying unit; the same name and date of birth anywhere; an SI number one digit away that belongs to
someone of that name and date of birth. Anything but a single candidate is no suggestion: a
wrong hint is worse than none.
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.dossier import Worker
from chalicelib.domain.names import normalise_name
from chalicelib.domain.registry import Participant

__all__ = ["one_digit_away", "suggest_si_number"]


class Lookups(Protocol):
    def by_identity(self, full_name: str, date_of_birth: str) -> list[Participant]: ...
    def participants(self, si_numbers: list[str]) -> dict[str, Participant]: ...


def one_digit_away(si_number: str) -> list[str]:
    return [
        si_number[:i] + d + si_number[i + 1 :] for i in range(len(si_number)) for d in "0123456789" if d != si_number[i]
    ]


def _same_person(worker: Worker, p: Participant) -> bool:
    return (
        normalise_name(p.full_name) == normalise_name(worker.full_name)
        and p.date_of_birth == worker.date_of_birth.isoformat()
    )


def suggest_si_number(worker: Worker, unit_code: str | None, registry: Lookups) -> str | None:
    namesakes = registry.by_identity(worker.full_name, worker.date_of_birth.isoformat())
    in_unit = [p for p in namesakes if unit_code and p.unit_code == unit_code]
    for candidates in (in_unit, namesakes):
        if len(candidates) == 1:
            return candidates[0].si_number
        if len(candidates) > 1:
            return None
    near = [p for p in registry.participants(one_digit_away(worker.si_number)).values() if _same_person(worker, p)]
    return near[0].si_number if len(near) == 1 else None
