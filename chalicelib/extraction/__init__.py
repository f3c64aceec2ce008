"""OCR and field extraction for the attachments of a dossier.

    from chalicelib.extraction import extract_document, ExtractionError
    result = extract_document(data, content_type="application/pdf", filename="danh_sach.pdf")
    result.to_dict()

Importing this package is cheap: Pillow, pypdfium2, pypdf, pytesseract and rapidfuzz are imported
only when a document is read.
"""

from __future__ import annotations

from .errors import ExtractionError
from .model import ExtractionResult, PageInfo, Problem, Unit, WorkerRow

__all__ = ["ExtractionError", "ExtractionResult", "PageInfo", "Problem", "Unit", "WorkerRow", "extract_document"]


def extract_document(data: bytes, content_type: str | None = None, filename: str = "") -> ExtractionResult:
    """Read one attachment (PDF, PNG, JPEG, TIFF). Raises `ExtractionError` for an unreadable file."""
    from .extract import extract_document as _extract

    return _extract(data, content_type, filename)
