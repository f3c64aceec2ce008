"""The dossier carries every component its procedure requires, readable, and the request is signed.

A dossier the employer signed is never asked for paper copies: the findings here name components
to upload again, as the applicant knows them, never a file prefix or a visit to the office. Which
attachment is which component is decided before (`chalicelib.domain.components.infer_components`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chalicelib.checks.signature import SignatureVerdict
from chalicelib.domain.components import COMPONENTS
from chalicelib.domain.findings import Finding, finding
from chalicelib.domain.procedures import Procedure

__all__ = ["SignatureVerdict", "attachment_label", "attachment_labels", "check_attachments"]


def attachment_label(name: str, components: Iterable[str]) -> str:
    """How a finding names a file: the portal's name with what it was taken for, in the applicant's words."""
    return attachment_labels(name, components)[0]


def attachment_labels(name: str, components: Iterable[str]) -> tuple[str, str]:
    """`attachment_label` in Vietnamese and English."""
    known = [COMPONENTS[c] for c in components if c in COMPONENTS]
    if not known:
        return f"tệp {name}", f"file {name}"
    return (
        f"tệp {name} ({'; '.join(c.title for c in known)})",
        f"file {name} ({'; '.join(c.title_en for c in known)})",
    )


def check_attachments(
    components: Mapping[str, Iterable[str]],
    rules: Procedure,
    unreadable: Iterable[tuple[str, int | None, str, str]],
    signatures: Iterable[SignatureVerdict],
) -> list[Finding]:
    """Findings for missing components, unreadable files and signatures.

    `components`: each attachment's name and the components it was recognised as; `unreadable`: the
    attachment, page and why, in Vietnamese and English."""
    held = {code for codes in components.values() for code in codes}
    findings = [
        finding(
            "attachment.missing",
            field="attachments",
            suggestion=f"Bổ sung {COMPONENTS[code].title[:1].lower()}{COMPONENTS[code].title[1:]} trên Cổng Dịch vụ công.",
            component=(COMPONENTS[code].title, COMPONENTS[code].title_en),
        )
        for code in rules.required_components
        if code not in held
    ]
    for name, page, message, message_en in unreadable:
        vi, en = attachment_labels(name, components.get(name, ()))
        where = (f"trang {page} của {vi}", f"page {page} of {en}") if page else (vi, en)
        findings.append(
            finding(
                "attachment.unreadable",
                field="attachments",
                suggestion="Tải lên bản quét rõ hơn (từ 200 dpi).",
                where=where,
                reason=(message, message_en),
            )
        )
    for verdict in signatures:  # the judgement and its words: chalicelib.checks.signature
        found = verdict.finding(attachment_labels(verdict.attachment, components.get(verdict.attachment, ())))
        if found is not None:
            findings.append(found)
    return findings
