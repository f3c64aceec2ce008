"""Issuing, storing, handing out and verifying the signed slips of a dossier.

Every slip comes out of here (a receipt made by hand outside the system is forbidden): numbered
from the register (`slipbook`), rendered and signed through KMS (`chalicelib.documents`), stored
once in the slips bucket, recorded by hash for `POST /v1/verify`. Issuing the same slip again for
the same event (a retried message) gives back the same slip, never a second number.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalicelib.adapters.blobs import slips as slips_bucket
from chalicelib.adapters.kms import KmsKey
from chalicelib.adapters.slipbook import SlipRecord, slipbook
from chalicelib.config import settings
from chalicelib.documents.slips import KIND_CODES
from chalicelib.domain.components import COMPONENTS
from chalicelib.domain.dossier import DocumentRef, Dossier, SlipKind, utcnow
from chalicelib.domain.identifiers import readable_code
from chalicelib.domain.media import MAX_VERIFY_BYTES
from chalicelib.domain.offices import PROVINCES, office
from chalicelib.domain.procedures import body_name, procedure_of
from chalicelib.domain.workdays import VIETNAM_TZ, WorkingCalendar
from chalicelib.errors import InvalidInput, NotFound, TooLarge

__all__ = [
    "calendar",
    "document_link",
    "download_url",
    "issue",
    "our_certificates",
    "signer",
    "signing_chain",
    "slips_origin",
    "trust_roots",
    "verifiable",
    "verify",
    "with_control_slip",
]

RESULT_PLACE = "Trực tuyến qua Cổng Dịch vụ công quốc gia"


@lru_cache(maxsize=1)
def slips_origin() -> str:
    """Where slip previews come from (a presigned URL's scheme and host; no request is made): the
    console's page may frame that origin and no other."""
    parts = urlsplit(slips_bucket().presigned_get("console-origin-probe", expires=60))
    return f"{parts.scheme}://{parts.netloc}"


def calendar() -> WorkingCalendar:
    """The one working-day calendar (`chalicelib.services.deadlines.calendar`)."""
    from chalicelib.services.deadlines import calendar as official

    return official()


def _pem_file(path: str, variable: str) -> bytes:
    """A PEM file the settings name; unset or unreadable is a fault of the stage's configuration."""
    if not path:
        raise RuntimeError(f"{variable} is not set: no slip can be signed or verified")
    return Path(path).read_bytes()


def signing_chain() -> bytes:
    """The signing certificate and its issuers (PEM), from the file `MOTCUA_SIGNING_CHAIN` names."""
    return _pem_file(settings().signing_chain, "MOTCUA_SIGNING_CHAIN")


def trust_roots() -> bytes:
    """The roots our slips chain to (PEM), from `MOTCUA_SLIP_TRUST_ROOTS`."""
    return _pem_file(settings().slip_trust_roots, "MOTCUA_SLIP_TRUST_ROOTS")


@lru_cache(maxsize=1)
def signer() -> Any:
    """The process's one slip signer (its chain read and its KMS public key fetched once)."""
    from chalicelib.documents import SlipSigner  # pyHanko: ~0.6 s, loaded only where slips are made

    return SlipSigner.from_key(
        KmsKey(settings().signing_key_alias),
        signing_chain(),
        tsa_url=settings().tsa_url or None,
        trust_roots_pem=trust_roots(),
        fetch_revocation=settings().stage != "local",
        archive=settings().slip_lta,
    )


def _agency(dossier: Dossier) -> Any:
    from chalicelib.documents.slips import Agency

    where = office(dossier.office)
    short = dossier.office[-2:]
    return Agency(name=where.name, province=PROVINCES.get(short, where.province), office_code=dossier.office)


def _applicant(dossier: Dossier) -> Any:
    from chalicelib.documents.slips import Applicant

    a = dossier.applicant
    return Applicant(name=a.name, address=a.address or "", phone=a.phone or "", email=a.email or "")


def _attachments(dossier: Dossier) -> list[Any]:
    from chalicelib.documents.slips import Attachment

    listed = []
    for name, attachment in sorted(dossier.attachments.items()):
        titles = [COMPONENTS[c].title for c in attachment.components or attachment.declared if c in COMPONENTS]
        listed.append(Attachment("; ".join(titles) if titles else f"Tệp {name}", 1))
    return listed


def _late_agency(dossier: Dossier, body: str) -> Any:
    """The body that is late, as the apology's header names it: BHXH's office, or the authority."""
    from chalicelib.documents.slips import Agency

    if body == "bhxh":
        return _agency(dossier)
    where = office(dossier.office)
    return Agency(
        name=body_name(body, where.province),
        province=PROVINCES.get(dossier.office[-2:], where.province),
        office_code=dossier.office,
        parent="",
    )


def with_control_slip(dossier: Dossier, event: str) -> Dossier:
    """The dossier with its control slip (Mẫu 05) issued anew for ``event`` (a hand-over): every row
    so far, each step against its own deadline. Issuing again for the same event is a no-op."""
    from chalicelib.domain.control import control_rows

    slip = issue(dossier, "control_slip", f"control#{event}", handovers=control_rows(dossier))
    if slip in dossier.documents:
        return dossier
    return dossier.model_copy(update={"documents": [*dossier.documents, slip]})


def _due_at(day: date) -> datetime:
    return datetime.combine(day, time(16, 0), VIETNAM_TZ)


def _build(kind: str, dossier: Dossier, number: str, seq: int, issued_at: datetime, extra: dict[str, Any]) -> Any:
    from chalicelib.documents import slips

    rules = procedure_of(dossier)
    common: dict[str, Any] = dict(
        number=number,
        portal_code=dossier.portal_code,
        agency=_agency(dossier),
        issued_at=issued_at,
        procedure_title=rules.title,
    )
    if kind == "receipt":
        assert dossier.received_at and dossier.due_date, "a receipt needs the reception and due dates"
        local = dossier.received_at.astimezone(VIETNAM_TZ)
        forwarded = len(rules.steps) > 1
        return slips.ReceiptSlip(
            applicant=_applicant(dossier),
            attachments=tuple(_attachments(dossier)),
            time_limit_days=rules.time_limit_days,
            bhxh_days=rules.bhxh_days if forwarded else None,
            bhxh_due_at=_due_at(dossier.bhxh_due_date) if forwarded and dossier.bhxh_due_date else None,
            legal_basis=rules.legal_basis,
            received_at=dossier.received_at,
            due_at=_due_at(dossier.due_date),
            result_place=RESULT_PLACE,
            register_book=f"{local.month:02d}/{local.year}",
            register_sequence=seq,
            **common,
        )
    if kind == "correction_request":
        return slips.CorrectionRequestSlip(
            applicant=_applicant(dossier),
            findings=tuple(
                slips.Finding(code=f.code, message=f.message, field=f.field, row=f.row, suggestion=f.suggestion)
                for f in dossier.findings
            ),
            contact_name="Bộ phận tiếp nhận và trả kết quả",
            **common,
        )
    if kind == "refusal":
        return slips.RefusalSlip(
            applicant=_applicant(dossier), reasons=extra["reasons"], received_at=dossier.received_at, **common
        )
    if kind == "apology":
        late = _late_agency(dossier, extra["body"])
        assert dossier.received_at, "an apology is for a dossier received"
        return slips.ApologySlip(
            applicant=_applicant(dossier),
            received_at=dossier.received_at,
            original_due=extra["original_due"],
            new_due=extra["new_due"],
            reason=extra["reason"],
            received_by=f"Bộ phận tiếp nhận và trả kết quả, {office(dossier.office).name}",
            step=extra.get("step", ""),
            **{**common, "agency": late},
        )
    if kind == "control_slip":
        receipt = [d.number for d in dossier.documents if d.kind == "receipt"]
        cooperating = "; ".join(body_name(s.body, office(dossier.office).province) for s in rules.steps[1:])
        return slips.ControlSlip(
            receipt_number=receipt[-1] if receipt else "",
            handling_unit=office(dossier.office).name,
            cooperating_units=cooperating,
            handovers=extra["handovers"],
            due_at=dossier.original_due_date or dossier.due_date,
            moved_due_at=dossier.due_date if dossier.original_due_date else None,
            **common,
        )
    if kind == "confirmation":
        a = dossier.applicant
        return slips.ConfirmationSlip(
            employer=slips.Employer(a.name, a.unit_code or "", a.tax_code or "", a.address or ""),
            workers=extra.get("workers", [w.model_dump() for w in dossier.workers]),
            party=rules.wording.party_vi,
            statement=(
                "Cơ quan bảo hiểm xã hội xác nhận người lao động có tên trong danh sách trên: "
                f"{rules.wording.confirms_vi}."
            ),
            **common,
        )
    if kind == "decision":
        a, decision = dossier.applicant, dossier.decision
        assert decision is not None, "a decision slip is for a dossier decided"
        return slips.DecisionSlip(
            employer=slips.Employer(a.name, a.unit_code or "", a.tax_code or "", a.address or ""),
            approved=decision.result == "approved",
            workers=len(dossier.workers),
            period_from=min((w.period_from for w in dossier.workers), default=None),
            period_to=max((w.period_to for w in dossier.workers), default=None),
            legal_basis=rules.legal_basis,
            note=decision.note or "",
            **common,
        )
    raise ValueError(f"unknown slip kind {kind!r}")


def issue(dossier: Dossier, kind: SlipKind, event: str, **extra: Any) -> DocumentRef:
    """The slip of `kind` for `event` of this dossier: made, signed and stored once, then found again.

    The caller appends the returned reference to the dossier (if it is not there yet) and saves.
    """
    if kind not in KIND_CODES:
        raise ValueError(f"unknown slip kind {kind!r}")
    for existing in dossier.documents:
        if existing.kind == kind and existing.event == event:
            return existing
    issued_at = utcnow()
    year = issued_at.astimezone(VIETNAM_TZ).year
    seq, fresh = slipbook().take_number(dossier.office, year, kind, dossier.id, event)
    number = f"{seq:06d}/{year}/{KIND_CODES[kind]}-{dossier.office}"
    stored = None if fresh else slipbook().find(number)  # a number taken just now has no slip yet
    if stored is not None:  # made before a crash kept the dossier from recording it
        return DocumentRef(
            kind=kind,
            number=number,
            issued_at=datetime.fromisoformat(stored.issued_at),
            key=stored.s3_key,
            sha256=stored.sha256,
            event=event,
        )
    from chalicelib.documents import render_slip

    check = slip_check_code()
    pdf = signer().sign(
        render_slip(
            _build(kind, dossier, number, seq, issued_at, extra),
            public_base_url=settings().public_base_url,
            check=check,
        )
    )
    digest = hashlib.sha256(pdf).hexdigest()
    # one object per signing (its digest in the name): a second run of the step never overwrites the
    # PDF the register names; the first recorded stands (`SlipBook.record`), the other is left unused
    key = f"slips/{dossier.office}/{year}/{KIND_CODES[kind]}/{seq:06d}-{digest[:16]}.pdf"
    slips_bucket().put(key, pdf, "application/pdf", {"sha256": digest, "dossier-id": dossier.id})
    standing = slipbook().record(
        SlipRecord(
            number=number,
            kind=kind,
            dossier_id=dossier.id,
            portal_code=dossier.portal_code,
            sha256=digest,
            s3_key=key,
            issued_at=issued_at.isoformat(),
            check=check,
        )
    )
    return DocumentRef(
        kind=kind,
        number=number,
        issued_at=datetime.fromisoformat(standing.issued_at),
        key=standing.s3_key,
        sha256=standing.sha256,
        event=event,
    )


LINK_SECONDS = 300


def _latest(dossier: Dossier, kind: str) -> DocumentRef:
    if kind not in KIND_CODES:
        raise InvalidInput(
            "unknown_document_kind", "Loại giấy tờ không hợp lệ.", f"kind must be one of {', '.join(KIND_CODES)}."
        )
    found = [d for d in dossier.documents if d.kind == kind]
    if not found:
        raise NotFound("document")
    return found[-1]


def _filename(dossier: Dossier, kind: str) -> str:
    return f"{kind}-{dossier.portal_code}.pdf".replace("/", "-")


def download_url(dossier: Dossier, kind: str) -> str:
    """A presigned URL, valid for minutes, of the latest slip of `kind`."""
    return slips_bucket().presigned_get(
        _latest(dossier, kind).key, expires=LINK_SECONDS, filename=_filename(dossier, kind)
    )


def document_link(dossier: Dossier, kind: str) -> dict[str, Any]:
    """The latest slip of `kind` as links a page can use: one that downloads, one that previews."""
    latest = _latest(dossier, kind)
    bucket = slips_bucket()
    return {
        "kind": kind,
        "number": latest.number,
        "url": bucket.presigned_get(latest.key, expires=LINK_SECONDS, filename=_filename(dossier, kind)),
        "preview_url": bucket.presigned_get(
            latest.key, expires=LINK_SECONDS, filename=_filename(dossier, kind), inline=True
        ),
        "expires_in": LINK_SECONDS,
    }


def verifiable(body: bytes) -> bytes:
    """The body of a public `POST /v1/verify`, if it is small enough to read at all (`MAX_VERIFY_BYTES`).

    Why before any parsing: the route is open to anyone, and pyHanko reading a large PDF is what a
    flood would use to hold the functions busy."""
    if len(body) > MAX_VERIFY_BYTES:
        raise TooLarge(
            "verify_too_large",
            f"Tệp lớn hơn {MAX_VERIFY_BYTES // (1024 * 1024)} MB: phiếu do hệ thống cấp không lớn như vậy.",
            f"The body is over {MAX_VERIFY_BYTES // (1024 * 1024)} MB; no slip the system issues is that large.",
        )
    return body


def verify(data: bytes) -> dict[str, Any]:
    """`POST /v1/verify`: is the signature intact, and is this a slip we issued, byte for byte?"""
    from chalicelib.documents.verify import VerificationError, fingerprint, verify_pdf

    if not data:
        raise InvalidInput("empty_body", "Cần gửi tệp PDF cần kiểm tra.", "Send the PDF to check as the request body.")
    verifiable(data)
    try:
        result = verify_pdf(data, trust_roots(), [fingerprint(cert) for cert in our_certificates()])
    except VerificationError:
        raise InvalidInput("not_a_pdf", "Tệp gửi lên không phải là PDF.", "The body is not a PDF.") from None
    record = slipbook().find(result.number) if result.number and result.signed_by_us else None
    issued = bool(result.valid and record and record.sha256 == hashlib.sha256(data).hexdigest())
    if result.signed_by_us and not issued:
        # Our key signed it, yet the register holds no such slip: a leaked signing path, a test
        # slip, a slip re-signed after editing. Never "valid with no problem".
        result = dataclasses.replace(result, problems=(*result.problems, "not_issued"))
    answer = result.as_dict()
    answer["issued_by_system"] = issued
    return answer


def our_certificates() -> list[bytes]:
    """Every certificate (DER) the stage has signed slips with: the current chain's first, then the
    ones it signed with before (`MOTCUA_SIGNING_HISTORY`). Why the old ones: a slip signed before a
    key rotation stays a slip we issued; rotation appends to the history and never removes."""
    from pyhanko.sign.general import load_certs_from_pemder_data

    current = list(load_certs_from_pemder_data(signing_chain()))[:1]
    history = _pem_file(settings().signing_history, "MOTCUA_SIGNING_HISTORY") if settings().signing_history else b""
    past = list(load_certs_from_pemder_data(history)) if history.strip() else []  # empty: no rotation yet
    return [cert.dump() for cert in current + past]


def slip_check_code() -> str:
    """Eight characters drawn at random for one slip (40 bits): printed in its QR, kept with its record.

    Why random and stored, not derived: nothing secret has to be kept to check it, and a number
    read off one slip says nothing about the code of the next."""
    return readable_code(8)


def genuine_slip(portal_code: str, number: str, check: str) -> SlipRecord | None:
    """The record of slip `number` when it was issued for `portal_code` with `check`; else None
    (the same answer for a number never issued and a wrong code, so neither can be probed)."""
    record = slipbook().find(number) if 1 <= len(number) <= 64 else None
    if record is None or not record.check or record.portal_code != portal_code:
        return None
    return record if hmac.compare_digest(record.check, check.strip().upper()) else None
