"""What a slip's QR (its number and check code) comes to, for the public page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["SlipCheck"]


@dataclass(frozen=True)
class SlipCheck:
    """`issued_at` None: no slip of this number was issued with this code for this dossier (the
    same answer for either, so neither can be probed). `superseded_by`: a later slip of its kind."""

    number: str
    kind: str | None = None
    issued_at: datetime | None = None
    superseded_by: str | None = None
