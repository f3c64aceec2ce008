"""OCR and field extraction for the attachments of a dossier.

    from chalicelib.extraction import extract_document, ExtractionError
    result = extract_document(data, content_type="application/pdf", filename="danh_sach.pdf")
    result.to_dict()

Importing this package is cheap: Pillow, pypdfium2, pypdf, pytesseract and rapidfuzz are imported
only when a document is read.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ExtractionError
from .model import ExtractionResult, PageInfo, Problem, Unit, WorkerRow

__all__ = ["ExtractionError", "ExtractionResult", "PageInfo", "Problem", "Unit", "WorkerRow", "extract_document"]


def extract_document(
    data: bytes,
    content_type: str | None = None,
    filename: str = "",
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> ExtractionResult:
    """Read one attachment (PDF, PNG, JPEG, TIFF). Raises `ExtractionError` for an unreadable file.

    `titles`: how the notes name some fields, (Vietnamese, English), e.g. the period's columns in
    the words of the dossier's procedure; labels only, the reading does not depend on them."""
    from .extract import extract_document as _extract

    return _extract(data, content_type, filename, titles=titles)
