"""The extract step's storage: what was read from each attachment, kept beside the dossier.

Each attachment's result (its type, fields, full text for clerks to search, which pages were
OCR'd and how long each took, or why it could not be read) is stored once as JSON under the
dossier's prefix, named by the attachment's content hash: a re-run reads it instead of OCR'ing
again, and a replaced file is read afresh.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.blobs import attachment_key, originals
from chalicelib.domain.dossier import Attachment, Dossier
from chalicelib.logs import logger

__all__ = ["extract_attachments", "extraction_key", "load_extractions", "stored_extraction"]


def extraction_key(dossier_id: str, attachment: Attachment) -> str:
    return f"dossiers/{dossier_id}/extracted/{attachment.name}.{attachment.sha256 or attachment.version_id or 'v'}.json"


def _read(dossier: Dossier, attachment: Attachment) -> dict[str, Any]:
    from chalicelib.extraction import ExtractionError, extract_document

    data = originals().get(attachment_key(dossier.id, attachment.name), attachment.version_id)
    titles = _titles(dossier)
    try:
        return extract_document(data, attachment.content_type, attachment.name, titles=titles).to_dict()
    except ExtractionError as error:
        return {
            "document_type": "unreadable",
            "error": {"code": error.code, "message": error.message_vi, "message_en": error.message_en},
            "problems": [
                {
                    "code": "unreadable_attachment",
                    "page": None,
                    "message": error.message_vi,
                    "message_en": error.message_en,
                }
            ],
            "pages": [],
            "text": "",
            "workers": [],
        }


def _titles(dossier: Dossier) -> dict[str, tuple[str, str]] | None:
    """The period's columns in the words of the dossier's procedure ("Từ ngày (ngừng việc)")."""
    from chalicelib.domain.procedures import UnknownProcedure, procedure_of

    try:
        return procedure_of(dossier).wording.field_titles()
    except UnknownProcedure:
        return None


def extract_attachments(dossier: Dossier) -> dict[str, dict[str, Any]]:
    """Read every attachment not read yet; answers what is stored for each, by name."""
    results: dict[str, dict[str, Any]] = {}
    for name, attachment in sorted(dossier.attachments.items()):
        key = extraction_key(dossier.id, attachment)
        stored = originals().get_if_exists(key)
        if stored is None:
            result = _read(dossier, attachment)
            originals().put(key, json.dumps(result, ensure_ascii=False).encode(), "application/json")
            pages = result.get("pages", [])
            logger().info(
                "attachment read",
                extra={
                    "dossier_id": dossier.id,
                    "document_type": result.get("document_type"),
                    "pages": len(pages),
                    "ocr_pages": sum(1 for p in pages if p.get("source") == "ocr"),
                    "seconds": round(sum(p.get("seconds", 0) for p in pages), 2),
                    "error": (result.get("error") or {}).get("code"),
                },
            )
            results[name] = result
        else:
            results[name] = json.loads(stored)
    return results


def load_extractions(dossier: Dossier) -> dict[str, dict[str, Any]]:
    """What the extract step stored for each attachment (read now if it is missing)."""
    return extract_attachments(dossier)


def stored_extraction(dossier: Dossier, attachment: Attachment) -> dict[str, Any] | None:
    """What the extract step stored for one attachment, or None if it has not read it yet: a
    reader's question must never start OCR."""
    stored = originals().get_if_exists(extraction_key(dossier.id, attachment))
    return None if stored is None else json.loads(stored)
