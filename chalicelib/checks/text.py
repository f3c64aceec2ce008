"""How dates and months are written in the findings' Vietnamese messages."""

from __future__ import annotations

from datetime import date

__all__ = ["dmy", "month_vi"]


def dmy(value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


def month_vi(month: str) -> str:
    """`2020-03` → `03/2020`."""
    return f"{month[5:7]}/{month[:4]}"
