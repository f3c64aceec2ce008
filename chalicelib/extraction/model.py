"""What `extract_document` answers: plain dataclasses, JSON-able through `to_dict()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["UNIT_FIELDS", "WORKER_FIELDS", "ExtractionResult", "PageInfo", "Problem", "Unit", "WorkerRow"]

WORKER_FIELDS = ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")
UNIT_FIELDS = ("unit_code", "tax_code", "name")


@dataclass
class Unit:
    unit_code: str | None = None
    tax_code: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"unit_code": self.unit_code, "tax_code": self.tax_code, "name": self.name}


@dataclass
class WorkerRow:
    full_name: str | None = None
    si_number: str | None = None
    date_of_birth: str | None = None
    id_number: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    row: int = 0
    """1-based position in the list, over all pages."""
    page: int = 0
    confidence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in WORKER_FIELDS}
        out.update(row=self.row, page=self.page, confidence=dict(self.confidence))
        return out


@dataclass
class PageInfo:
    number: int
    source: str  # "text_layer" | "ocr"
    seconds: float = 0.0
    rotation: int = 0
    skew: float = 0.0
    dpi: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "source": self.source,
            "seconds": round(self.seconds, 3),
            "rotation": self.rotation,
            "skew": round(self.skew, 2),
            "dpi": self.dpi,
            "error": self.error,
        }


@dataclass
class Problem:
    code: str
    page: int | None
    message: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "page": self.page, "message": self.message, "message_en": self.message_en}


@dataclass
class ExtractionResult:
    document_type: str = "other"
    unit: Unit = field(default_factory=Unit)
    workers: list[WorkerRow] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    text: str = ""
    confidence: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """What makes the attachment (or a page of it) unreadable: each is a reason to ask for it again."""
    format: str = ""
    seconds: float = 0.0
    columns: dict[str, str] = field(default_factory=dict)
    """The worker fields the list's table has a column for: field -> its title as read, or "" when
    the column was recognised by its content (the title unreadable, or unknown)."""
    notes: list[Problem] = field(default_factory=list)
    """What a clerk should know of a document that was read (`column_not_found`, `column_unreadable`):
    never a reason to send the dossier back on their own, so kept apart from `problems`."""

    @property
    def missing_columns(self) -> list[str]:
        """The worker fields with no column in the list (empty when the document has no list)."""
        return [f for f in WORKER_FIELDS if f not in self.columns] if self.workers else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_type": self.document_type,
            "unit": self.unit.to_dict(),
            "workers": [w.to_dict() for w in self.workers],
            "pages": [p.to_dict() for p in self.pages],
            "text": self.text,
            "confidence": dict(self.confidence),
            "problems": [p.to_dict() for p in self.problems],
            "format": self.format,
            "seconds": round(self.seconds, 3),
            "columns": dict(self.columns),
            "missing_columns": self.missing_columns,
            "notes": [p.to_dict() for p in self.notes],
        }
