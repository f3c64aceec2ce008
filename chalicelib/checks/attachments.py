"""The dossier carries what its procedure requires, readable, and the request is digitally signed.

A dossier the employer signed is never asked for paper copies: the findings here name files to
upload again, never a visit to the office.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from chalicelib.domain.findings import Finding
from chalicelib.domain.procedures import Procedure

__all__ = ["SignatureVerdict", "check_attachments", "REQUIRED_TITLES"]

REQUIRED_TITLES = {
    "request": "văn bản đề nghị (tệp có tên bắt đầu bằng «request», ký số)",
    "worker_list": "danh sách người lao động (tệp có tên bắt đầu bằng «worker_list»)",
}


@dataclass(frozen=True)
class SignatureVerdict:
    """What the signature check said of one `request*` attachment."""

    attachment: str
    signed: bool
    valid: bool
    reason: str = ""


def check_attachments(
    names: Iterable[str],
    rules: Procedure,
    unreadable: Iterable[tuple[str, int | None, str]],
    signatures: Iterable[SignatureVerdict],
) -> list[Finding]:
    names = sorted(names)
    findings = [
        Finding(code="missing_attachment", field="attachments", message=f"Hồ sơ thiếu {REQUIRED_TITLES.get(prefix, prefix)}.")
        for prefix in rules.required_attachments
        if not any(n.startswith(prefix) for n in names)
    ]
    for name, page, message in unreadable:
        where = f"trang {page} của tệp {name}" if page else f"tệp {name}"
        findings.append(Finding(code="unreadable_attachment", field="attachments", message=f"Không đọc được {where}: {message}", suggestion="Tải lên bản quét rõ hơn (từ 200 dpi)."))
    for verdict in signatures:
        if not verdict.signed:
            findings.append(Finding(code="signature_missing", field="attachments", message=f"Tệp {verdict.attachment} chưa có chữ ký số của người nộp hồ sơ.", suggestion="Ký số tệp và tải lên lại."))
        elif not verdict.valid:
            findings.append(Finding(code="signature_invalid", field="attachments", message=f"Chữ ký số trên tệp {verdict.attachment} không hợp lệ: {verdict.reason}", suggestion="Ký số lại tệp gốc và tải lên lại."))
    return findings
