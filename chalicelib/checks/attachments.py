"""The dossier carries every component its procedure requires, readable, and the request is signed.

A dossier the employer signed is never asked for paper copies: the findings here name components
to upload again, as the applicant knows them, never a file prefix or a visit to the office. Which
attachment is which component is decided before (`chalicelib.domain.components.infer_components`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chalicelib.checks.signature import SignatureVerdict
from chalicelib.domain.components import COMPONENTS
from chalicelib.domain.findings import Finding
from chalicelib.domain.procedures import Procedure

__all__ = ["SignatureVerdict", "attachment_label", "check_attachments"]


def attachment_label(name: str, components: Iterable[str]) -> str:
    """How a finding names a file: the portal's name with what it was taken for, in the applicant's words."""
    titles = [COMPONENTS[c].title for c in components if c in COMPONENTS]
    return f"tệp {name} ({'; '.join(titles)})" if titles else f"tệp {name}"


def check_attachments(
    components: Mapping[str, Iterable[str]],
    rules: Procedure,
    unreadable: Iterable[tuple[str, int | None, str]],
    signatures: Iterable[SignatureVerdict],
) -> list[Finding]:
    """Findings for missing components, unreadable files and signatures.

    `components`: each attachment's name and the components it was recognised as."""
    held = {code for codes in components.values() for code in codes}
    findings = [
        Finding(
            code="missing_attachment",
            field="attachments",
            message=f"Hồ sơ thiếu thành phần «{COMPONENTS[code].title}».",
            suggestion=f"Bổ sung {COMPONENTS[code].title[:1].lower()}{COMPONENTS[code].title[1:]} trên Cổng Dịch vụ công.",
        )
        for code in rules.required_components
        if code not in held
    ]
    for name, page, message in unreadable:
        label = attachment_label(name, components.get(name, ()))
        where = f"trang {page} của {label}" if page else label
        findings.append(
            Finding(
                code="unreadable_attachment",
                field="attachments",
                message=f"Không đọc được {where}: {message}",
                suggestion="Tải lên bản quét rõ hơn (từ 200 dpi).",
            )
        )
    for verdict in signatures:  # the judgement and its words: chalicelib.checks.signature
        finding = verdict.finding(attachment_label(verdict.attachment, components.get(verdict.attachment, ())))
        if finding is not None:
            findings.append(finding)
    return findings
