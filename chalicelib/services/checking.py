"""The check step: every finding of a dossier at once, then one outcome and its slip.

Reads what the extract step stored, the registry (batch reads, no scans) and the claims ledger;
writes the findings, the due date and the slip (receipt, correction request or refusal) in one
save. Safe to run again at any point: slips are issued once per event, claims are the dossier's
own on a second try, and the outcome is saved only once (the state machine refuses a second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.blobs import attachment_key, originals, revocation_key
from chalicelib.adapters.claims import claim_key, claims
from chalicelib.adapters.registry import registry
from chalicelib.checks.attachments import SignatureVerdict, attachment_labels, check_attachments
from chalicelib.checks.outcome import decide
from chalicelib.checks.scan import compare_scan
from chalicelib.checks.suggestions import suggest_si_number
from chalicelib.checks.text import month_vi
from chalicelib.checks.unit import check_industry, check_unit
from chalicelib.checks.workers import check_unit_share, check_worker, month_before, months
from chalicelib.domain import notes
from chalicelib.domain.components import COMPONENTS, infer_components
from chalicelib.domain.dossier import Dossier, SlipKind
from chalicelib.domain.findings import Finding, finding
from chalicelib.domain.procedures import Procedure, claimed_day, procedure_of
from chalicelib.domain.states import Status
from chalicelib.services import deadlines, documents
from chalicelib.services.extracting import load_extractions

__all__ = ["Review", "conclude", "findings_of", "review"]

OUTCOME_SLIPS: dict[Status, SlipKind] = {
    Status.ACCEPTED: "receipt",
    Status.NEEDS_CORRECTION: "correction_request",
    Status.REJECTED: "refusal",
}


def _trust_anchors() -> bytes:
    """The roots of the signature CAs this stage trusts (`MOTCUA_TRUST_ANCHORS`, see `chalicelib.checks.trust`)."""
    from chalicelib.checks.trust import trust_anchors

    return trust_anchors()


def _signature(dossier: Dossier, name: str, label: str = "") -> SignatureVerdict:
    """The applicant's signature on one attachment, judged by `chalicelib.checks.signature` (every
    signature in the file; the signer must be the applicant). A file that is not a PDF carries none."""
    from chalicelib.checks.signature import judge_signatures, unsigned
    from chalicelib.checks.trust import revocation_policy
    from chalicelib.documents.verify import VerificationError

    attachment = dossier.attachments[name]
    if attachment.content_type != "application/pdf":
        return unsigned(name, label)
    data = originals().get(attachment_key(dossier.id, name), attachment.version_id)
    # a worker filing for themselves has no tax code: their own CCCD/CMND is what the certificate must name
    own_id = dossier.workers[0].id_number if not dossier.applicant.tax_code and len(dossier.workers) == 1 else None
    try:
        return judge_signatures(
            data,
            dossier.applicant,
            _trust_anchors(),
            attachment=name,
            label=label,
            id_number=own_id,
            policy=revocation_policy(),
        )
    except VerificationError:
        return unsigned(name, label)


@dataclass(frozen=True)
class Review:
    """What the check step found: every finding, and what each attachment was taken for."""

    findings: list[Finding]
    components: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Attachment name -> the components it fulfils (`chalicelib.domain.components`)."""
    signatures: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Attachment name -> the record of its signature check, for every file taken for a signed component."""
    readings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Attachment name -> what the comparison made of its scanned list: readings the registry reconciled
    (an OCR slip, not the applicant's error) and notes for the clerk (a column not found)."""


def _recognise(
    dossier: Dossier, extractions: dict[str, dict[str, Any]], verdicts: dict[str, SignatureVerdict]
) -> dict[str, tuple[str, ...]]:
    return {
        name: infer_components(
            name, attachment.declared, extractions.get(name, {}).get("document_type"), verdicts[name].signed
        )
        for name, attachment in sorted(dossier.attachments.items())
    }


def _no_table(name: str, components: tuple[str, ...]) -> Finding:
    """A file taken for the list of workers (declared or named so) in which no table of workers was found."""
    return finding(
        "attachment.no_table",
        field="attachments",
        suggestion="Tải lên danh sách người lao động đã ký (bản quét rõ từ 200 dpi hoặc tệp PDF gốc).",
        where=attachment_labels(name, components),
    )


def review(dossier: Dossier) -> Review:
    """Every problem of the dossier, each once, in the order a clerk reads them, and what each file is."""
    rules = procedure_of(dossier)
    extractions = load_extractions(dossier)
    unreadable = [
        (name, p.get("page"), p["message"], p.get("message_en") or p["message"])
        for name, result in extractions.items()
        for p in result.get("problems", [])
        if p.get("code", "unreadable_attachment") == "unreadable_attachment"
    ]
    verdicts = {name: _signature(dossier, name) for name in sorted(dossier.attachments)}
    components = _recognise(dossier, extractions, verdicts)
    signed_parts = {c.code for c in COMPONENTS.values() if c.signed}
    signatures = [verdicts[name] for name, codes in components.items() if signed_parts & set(codes)]
    portal_authenticated: dict[str, dict[str, Any]] = {}
    if rules.identity.signature == "portal_authentication":
        # a citizen filing for themselves: the portal's authentication stands in for a signature
        portal_authenticated = {name: _portal_authentication(rules) for name in components}
        signatures = []
    findings = check_attachments(components, rules, unreadable, signatures)
    findings += check_industry(dossier.applicant, rules)
    # the registry breaks ties between the typed list and a doubtful reading of the signed one
    people = registry().participants([w.si_number for w in dossier.workers]) if rules.registry_check else None
    readings: dict[str, dict[str, Any]] = {}
    for name, result in sorted(extractions.items()):
        if "worker_list" not in components.get(name, ()):
            continue
        if result.get("workers"):
            compared = compare_scan(
                dossier.workers,
                result["workers"],
                name,
                registry=people,
                found_columns=result.get("columns"),
                titles=rules.wording.field_titles(),
            )
            findings += compared.findings
            readings[name] = {
                "reconciled": [r.to_dict() for r in compared.reconciled],
                "notes": [n.to_dict() for n in compared.notes],
            }
        elif dossier.workers and result.get("document_type") != "unreadable":
            findings.append(_no_table(name, components[name]))
    if people is not None:
        findings += _registry_findings(dossier, rules, people)
    records = {v.attachment: _with_evidence(dossier, v) for v in signatures} | portal_authenticated
    return Review(findings, components, records, readings)


def _with_evidence(dossier: Dossier, verdict: SignatureVerdict) -> dict[str, Any]:
    """The verdict's record, each OCSP response and CRL it rests on stored beside the dossier's
    attachments (same bucket, same retention) and named in the record by digest and place."""
    record = verdict.as_record()
    for signer, kept in zip(verdict.signers, record["signers"], strict=True):
        for evidence, entry in zip(signer.evidence, kept["revocation_evidence"], strict=True):
            key = revocation_key(dossier.id, evidence.sha256, evidence.suffix)
            content = "application/ocsp-response" if evidence.kind == "ocsp" else "application/pkix-crl"
            originals().put(key, evidence.der, content)
            entry["stored"] = f"s3://{originals().bucket}/{key}"
    return record


def _portal_authentication(rules: Procedure) -> dict[str, Any]:
    """What the record keeps for a file of a citizen the portal authenticated: no PAdES signature
    was asked for, and why (the procedure's `identity`)."""
    return {
        "method": "portal_authentication",
        "signed": False,
        "valid": True,
        "code": None,
        "reason": {
            "vi": "Người nộp là công dân đã được Cổng Dịch vụ công quốc gia xác thực định danh; không yêu cầu chữ ký số.",
            "en": "The applicant is a citizen authenticated by the National Public Service Portal; no digital signature is required.",
        },
        "basis": rules.identity.article,
        "revocation": None,
        "signers": [],
    }


def findings_of(dossier: Dossier) -> list[Finding]:
    """Every problem of the dossier (`review` without what each file was taken for)."""
    return review(dossier).findings


def _registry_findings(dossier: Dossier, rules: Procedure, people: dict[str, Any]) -> list[Finding]:
    """The unit, each worker against the insurance registry (`people`, by SI number), and the claims
    of the eligible ones."""
    findings: list[Finding] = []
    unit_code = dossier.applicant.unit_code
    if rules.identity.kind == "unit":
        units = registry().units([unit_code]) if unit_code else {}
        findings += check_unit(dossier.applicant, units.get(unit_code or ""))
        if rules.rules.unit_share and unit_code:
            insured = [
                p for p in registry().by_unit(unit_code) if p.participated_in(month_before(claimed_day(dossier)))
            ]
            listed = {w.si_number for w in dossier.workers} & {p.si_number for p in insured}
            findings += check_unit_share(len(listed), len(insured), rules)
    eligible: list[int] = []
    for row, worker in enumerate(dossier.workers, start=1):
        own = check_worker(worker, row, unit_code, people.get(worker.si_number), rules, deadlines.calendar())
        if any(f.code == "unknown_si_number" for f in own):
            hint = suggest_si_number(worker, unit_code, registry())
            own = [f.model_copy(update={"suggestion": hint}) if f.code == "unknown_si_number" else f for f in own]
        findings += own
        if not own:
            eligible.append(row)
    return findings + _claim(dossier, eligible)


def _claim(dossier: Dossier, rows: list[int]) -> list[Finding]:
    """Claim each eligible worker's months; a month another dossier holds is a `duplicate_claim`."""
    wanted: dict[str, int] = {}
    for row in rows:
        worker = dossier.workers[row - 1]
        for month in months(worker.period_from, worker.period_to):
            wanted[claim_key(dossier.procedure, worker.si_number, month)] = row
    taken = claims().claim(dossier.id, dossier.portal_code, list(wanted))
    findings = []
    for key, holder in sorted(taken.items(), key=lambda kv: (wanted[kv[0]], kv[0])):
        row = wanted[key]
        worker = dossier.workers[row - 1]
        findings.append(
            finding(
                "worker.duplicate_claim",
                field="period_from",
                row=row,
                name=worker.full_name,
                month=month_vi(key.rsplit("#", 1)[1]),
                holder=holder.portal_code,
            )
        )
    return findings


def conclude(dossier: Dossier, findings: list[Finding], round_: int, found: Review | None = None) -> Dossier:
    """The dossier moved to its outcome, with its findings, due date and slip (not yet saved);
    `found` (the `review` the findings come from): what each attachment was taken for and what its
    signature check found, kept on it for the slips, the clerk and the record."""
    findings = list(dict.fromkeys(findings))  # each finding once
    outcome = decide(findings, len(dossier.workers))
    update: dict[str, Any] = {"findings": findings}
    if found is not None:
        update["attachments"] = {
            name: a.model_copy(
                update={
                    "components": list(found.components.get(name, ())),
                    "signature": found.signatures.get(name),
                    "reading": found.readings.get(name),
                }
            )
            for name, a in dossier.attachments.items()
        }
    if outcome == Status.ACCEPTED and dossier.received_at:
        update.update(deadlines.at_acceptance(dossier))
    if outcome == Status.REJECTED:
        claims().release(dossier.id)
    concluded = dossier.model_copy(update=update)
    extra: dict[str, Any] = {}
    if outcome == Status.REJECTED:
        extra["reasons"] = list(dict.fromkeys(f.message for f in findings))
    slip = documents.issue(concluded, OUTCOME_SLIPS[outcome], f"{outcome.value}#{round_}", **extra)
    documents_now = [*concluded.documents, slip] if slip not in concluded.documents else concluded.documents
    result = concluded.model_copy(update={"documents": documents_now}).advance(
        outcome, by="system:check", note=notes.checked(len(findings))
    )
    if outcome == Status.ACCEPTED:  # the control slip (Mẫu 05) opens at reception
        result = documents.with_control_slip(result, f"accepted#{round_}")
    return result
