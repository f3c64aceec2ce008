"""The check step: every finding of a dossier at once, then one outcome and its slip.

Reads what the extract step stored, the registry (batch reads, no scans) and the claims ledger;
writes the findings, the due date and the slip (receipt, correction request or refusal) in one
save. Safe to run again at any point: slips are issued once per event, claims are the dossier's
own on a second try, and the outcome is saved only once (the state machine refuses a second).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chalicelib.adapters.blobs import attachment_key, originals
from chalicelib.adapters.claims import claim_key, claims
from chalicelib.adapters.registry import registry
from chalicelib.checks.attachments import SignatureVerdict, check_attachments
from chalicelib.checks.outcome import decide
from chalicelib.checks.scan import compare_lists
from chalicelib.checks.suggestions import suggest_si_number
from chalicelib.checks.text import month_vi
from chalicelib.checks.unit import check_unit
from chalicelib.checks.workers import check_worker, months
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.findings import Finding
from chalicelib.domain.procedures import procedure
from chalicelib.domain.states import Status
from chalicelib.services import documents
from chalicelib.services.extracting import load_extractions

__all__ = ["findings_of", "conclude"]

OUTCOME_SLIPS = {Status.ACCEPTED: "receipt", Status.NEEDS_CORRECTION: "correction_request", Status.REJECTED: "refusal"}


def _trust_anchors() -> bytes:
    path = os.environ.get("MOTCUA_TRUST_ANCHORS")
    return Path(path).read_bytes() if path and Path(path).exists() else b""


def _signature(dossier: Dossier, name: str) -> SignatureVerdict:
    from chalicelib.documents.verify import PROBLEMS, VerificationError, verify_pdf

    attachment = dossier.attachments[name]
    if attachment.content_type != "application/pdf":
        return SignatureVerdict(name, signed=False, valid=False)
    data = originals().get(attachment_key(dossier.id, name), attachment.version_id)
    try:
        verdict = verify_pdf(data, _trust_anchors(), [])
    except VerificationError:
        return SignatureVerdict(name, signed=False, valid=False)
    if not verdict.signed:
        return SignatureVerdict(name, signed=False, valid=False)
    if verdict.valid and verdict.trusted:
        return SignatureVerdict(name, signed=True, valid=True)
    reasons = [PROBLEMS[p] for p in verdict.problems if p != "not_our_key"]
    return SignatureVerdict(name, signed=True, valid=False, reason=" ".join(reasons) or PROBLEMS["signature_invalid"])


def findings_of(dossier: Dossier) -> list[Finding]:
    """Every problem of the dossier, each once, in the order a clerk reads them."""
    rules = procedure(dossier.procedure)
    extractions = load_extractions(dossier)
    unreadable = [(name, p.get("page"), p["message"]) for name, result in extractions.items() for p in result.get("problems", [])]
    signatures = [_signature(dossier, name) for name in sorted(dossier.attachments) if name.startswith("request")]
    findings = check_attachments(dossier.attachments, rules, unreadable, signatures)
    for name, result in sorted(extractions.items()):
        if name.startswith("worker_list") and result.get("workers"):
            findings += compare_lists(dossier.workers, result["workers"], name)
    if not rules.registry_check:
        return findings

    unit_code = dossier.applicant.unit_code
    units = registry().units([unit_code]) if unit_code else {}
    findings += check_unit(dossier.applicant, units.get(unit_code or ""))
    people = registry().participants([w.si_number for w in dossier.workers])
    eligible: list[int] = []
    for row, worker in enumerate(dossier.workers, start=1):
        own = check_worker(worker, row, unit_code, people.get(worker.si_number), rules)
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
            Finding(
                code="duplicate_claim",
                field="period_from",
                row=row,
                message=(
                    f"Người lao động {worker.full_name} (dòng {row}) đã được đề nghị hỗ trợ tháng {month_vi(key.rsplit('#', 1)[1])} "
                    f"trong hồ sơ {holder.portal_code}."
                ),
            )
        )
    return findings


def conclude(dossier: Dossier, findings: list[Finding], round_: int) -> Dossier:
    """The dossier moved to its outcome, with its findings, due date and slip (not yet saved)."""
    findings = list(dict.fromkeys(findings))  # each finding once
    outcome = decide(findings, len(dossier.workers))
    rules = procedure(dossier.procedure)
    update: dict[str, Any] = {"findings": findings}
    if outcome == Status.ACCEPTED and dossier.received_at:
        update["due_date"] = documents.calendar().add_working_days(dossier.received_at, rules.time_limit_days)
    if outcome == Status.REJECTED:
        claims().release(dossier.id)
    concluded = dossier.model_copy(update=update)
    extra: dict[str, Any] = {}
    if outcome == Status.REJECTED:
        extra["reasons"] = list(dict.fromkeys(f.message for f in findings))
    slip = documents.issue(concluded, OUTCOME_SLIPS[outcome], f"{outcome.value}#{round_}", **extra)
    documents_now = [*concluded.documents, slip] if slip not in concluded.documents else concluded.documents
    return concluded.model_copy(update={"documents": documents_now}).advance(outcome, by="system:check", note=json.dumps({"findings": len(findings)}))
