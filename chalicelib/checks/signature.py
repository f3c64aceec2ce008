"""Is the applicant's attachment signed by the applicant, with a certificate that was good when it signed?

Pure judgement: the file's bytes, the applicant, the trust anchors and the revocation policy in, a
:class:`SignatureVerdict` out (the only I/O is asking the OCSP/CRL addresses a trusted certificate
names, when the policy allows it). The check step turns the verdict into at most one finding per
attachment and keeps :meth:`SignatureVerdict.as_record` in the dossier's record.

Who signed: Vietnamese CAs write the organisation's tax code in the certificate's subject as
``UID=MST:<tax code>`` (OID 0.9.2342.19200300.100.1.1), some as ``MST:`` inside the CN or the
serialNumber; an individual's certificate carries ``CCCD:``/``CMND:`` and the ID number. Every
attribute of the subject is read for these. The signer is the applicant when its tax code is the
applicant's (digits compared, ``0101234567-001`` = ``0101234567001``; the head office's
certificate may sign for one of its branches, a branch's not for the head office), or, for an
applicant with no tax code (a worker filing for themselves), when its CCCD/CMND is the worker's.
With nothing to compare on either side, the signer is not held against the applicant.

Every signature in the file is judged (see :func:`judge_signatures` for how several combine).
Reasons have a code, a Vietnamese text for the applicant and an English one (:data:`REASONS`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from chalicelib.checks.trust import RevocationPolicy
from chalicelib.domain.findings import Finding, finding, texts

__all__ = [
    "REASONS",
    "Revocation",
    "RevocationEvidence",
    "RevocationUnavailable",
    "SignatureVerdict",
    "SignerCheck",
    "judge_signatures",
    "same_unit",
    "signer_identity",
    "unsigned",
]

Revocation = Literal["good", "revoked", "not_checked", "unavailable"]
"""``not_checked``: the certificate names no OCSP/CRL address, fetching is off, or the chain was
not trusted (nothing to ask about); ``unavailable``: it names some and none answered."""

REASONS: dict[str, tuple[str, str]] = {
    "damaged": ("Tệp PDF bị hỏng, không đọc được chữ ký số.", "The PDF is damaged: its signature cannot be read."),
    "digest_mismatch": ("Nội dung văn bản đã bị thay đổi sau khi ký.", "The content was changed after it was signed."),
    "signature_invalid": ("Chữ ký số không hợp lệ.", "The signature value is not valid for the signer's key."),
    "not_whole_file": (
        "Chữ ký số không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký.",
        "The signature does not cover the whole file: content was added after signing.",
    ),
    "modified_after_signing": (
        "Văn bản đã bị sửa sau khi {signer} ký (không chỉ thêm chữ ký khác).",
        "The document was modified after {signer_en} signed it (beyond adding other signatures).",
    ),
    "untrusted": (
        "Chứng thư số của người ký không được tin cậy: chứng thư do «{issuer}» cấp, không thuộc tổ chức chứng thực "
        "chữ ký số được tin cậy.",
        "The signer's certificate is not trusted: it was issued by “{issuer}”, which is not a trusted signature CA.",
    ),
    "self_signed": (
        "Chứng thư số của người ký không được tin cậy: chứng thư tự cấp («{issuer}»), không do tổ chức chứng thực "
        "chữ ký số cấp.",
        "The signer's certificate is not trusted: it is self-signed (“{issuer}”), not issued by a signature CA.",
    ),
    "expired": (
        "Chứng thư số của người ký đã hết hiệu lực từ {not_after}, trước thời điểm ký {signed_at}.",
        "The signer's certificate expired on {not_after_en}, before the signing time {signed_at_en}.",
    ),
    "not_yet_valid": (
        "Chứng thư số của người ký chỉ có hiệu lực từ {not_before}, sau thời điểm ký {signed_at}.",
        "The signer's certificate is valid only from {not_before_en}, after the signing time {signed_at_en}.",
    ),
    "signed_in_future": (
        "Thời điểm ký ghi trong chữ ký số ({signed_at}) muộn hơn thời điểm hồ sơ được kiểm tra.",
        "The signing time in the signature ({signed_at_en}) is later than the time the dossier was checked.",
    ),
    "revoked": (
        "Chứng thư số của người ký đã bị thu hồi{since}.",
        "The signer's certificate has been revoked{since_en}.",
    ),
}
"""Code → (Vietnamese, English) of what is wrong with one signature; ``{…}`` are filled from the signature."""

_BROKEN = frozenset({"damaged", "digest_mismatch", "signature_invalid", "not_whole_file", "modified_after_signing"})
"""Problems of the file itself: what was signed is not what we hold."""

_ICT = timezone(timedelta(hours=7))
_FUTURE_SKEW = timedelta(days=1)
"""A signer's clock (or time zone setting) that is a few hours wrong is not a reason to bounce."""

_UID_OID = "0.9.2342.19200300.100.1.1"
_MARKED = re.compile(r"(?<![0-9A-Za-z])(MST|CCCD|CMND)\s*[:=]?\s*([0-9]{9,13}(?:-[0-9]{3})?)(?![0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class RevocationEvidence:
    """An OCSP response or a CRL the check was answered with, as received (DER).

    Kept with the dossier (the check step stores it beside the attachments, the record names its
    SHA-256 and where it is): why a signature was taken as not revoked, or as revoked, stays provable
    after the CA's responder has forgotten it or the CRL was reissued."""

    kind: Literal["ocsp", "crl"]
    der: bytes

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.der).hexdigest()

    @property
    def suffix(self) -> str:
        return ".ocsp" if self.kind == "ocsp" else ".crl"

    def as_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "sha256": self.sha256, "bytes": len(self.der)}


class RevocationUnavailable(RuntimeError):
    """Under ``MOTCUA_REVOCATION=hard`` the applicant's certificate names OCSP/CRL addresses and
    none answered: the check step fails, to be retried, rather than bounce the employer."""


def _digits(code: str) -> str:
    return re.sub(r"[^0-9]", "", code)


def same_unit(certificate_tax_code: str, applicant_tax_code: str) -> bool:
    """Whether a certificate's tax code signs for the applicant's.

    >>> same_unit("0101234567", "0101234567"), same_unit("0101234567-001", "0101234567001")
    (True, True)
    >>> same_unit("0101234567", "0101234567-002"), same_unit("0101234567-002", "0101234567")
    (True, False)
    >>> same_unit("0201036976", "0101234567")
    False
    """
    cert, applicant = _digits(certificate_tax_code), _digits(applicant_tax_code)
    if not cert or not applicant:
        return False
    return cert == applicant or (len(cert) == 10 and len(applicant) == 13 and applicant.startswith(cert))


def signer_identity(attributes: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tax codes, ID numbers) a certificate subject names, from (OID, value) pairs.

    ``MST:``/``CCCD:``/``CMND:`` anywhere (UID, CN, serialNumber, O...); a bare number in UID too.

    >>> signer_identity([("2.5.4.3", "CÔNG TY A"), ("0.9.2342.19200300.100.1.1", "MST:0101234567")])
    (('0101234567',), ())
    >>> signer_identity([("2.5.4.3", "Công ty B - MST: 0201036976-001"), ("2.5.4.5", "CCCD:031085123456")])
    (('0201036976-001',), ('031085123456',))
    >>> signer_identity([("2.5.4.3", "Nguyễn Văn An")])
    ((), ())
    """
    taxes: list[str] = []
    ids: list[str] = []
    for oid, value in attributes:
        found = list(_MARKED.finditer(value))
        for match in found:
            kind, number = match.group(1).upper(), match.group(2)
            if kind == "MST" and len(_digits(number)) in (10, 13):
                taxes.append(number)
            elif kind in ("CCCD", "CMND") and len(number) in (9, 12) and number.isdigit():
                ids.append(number)
        bare = value.strip()
        if not found and oid == _UID_OID and re.fullmatch(r"[0-9]{10}(-?[0-9]{3})?", bare):
            taxes.append(bare)
    return tuple(dict.fromkeys(taxes)), tuple(dict.fromkeys(ids))


def _when(moment: datetime | None, english: bool = False) -> str:
    if moment is None:
        return "?"
    local = moment.astimezone(_ICT)
    return f"{local:%Y-%m-%d %H:%M} (UTC+7)" if english else f"{local:%H:%M} ngày {local:%d/%m/%Y}"


@dataclass(frozen=True)
class SignerCheck:
    """One signature of the file, judged on its own."""

    field: str | None
    """The signature field's name in the PDF."""
    subject: str | None
    issuer: str | None
    """The issuer's common name (or whole name): what the applicant's CA is called."""
    fingerprint: str | None
    """SHA-256 of the signer's certificate, lowercase hex."""
    tax_codes: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    signed_at: datetime | None = None
    time_source: Literal["timestamp", "claimed"] | None = None
    """``timestamp``: an RFC 3161 token in the signature; ``claimed``: the signer's own word."""
    not_before: datetime | None = None
    not_after: datetime | None = None
    applicant: bool | None = None
    """The signer is the applicant; None when there is nothing to compare on either side."""
    intact: bool = False
    trusted: bool = False
    """The certificate chains to the anchors and was valid when it signed."""
    revocation: Revocation = "not_checked"
    evidence: tuple[RevocationEvidence, ...] = ()
    """The OCSP responses and CRLs fetched for this signature's chain (empty when none was asked)."""
    problems: tuple[str, ...] = ()
    """Codes of :data:`REASONS`, the most serious first; empty for a sound signature."""
    facts: tuple[tuple[str, str], ...] = ()
    """What the reasons' texts are filled with."""

    @property
    def broken(self) -> bool:
        """The file is not what this signer signed (or cannot be read)."""
        return bool(_BROKEN.intersection(self.problems))

    @property
    def sound(self) -> bool:
        return not self.problems

    @property
    def name(self) -> str:
        """The signer as a person reads it: the CN, else the whole subject."""
        return dict(self.facts).get("signer_cn") or self.subject or "?"

    def reason(self) -> tuple[str, str]:
        """(Vietnamese, English) of every problem, the most serious first; ("", "") for a sound signature."""
        facts = _Missing(self.facts)
        texts = [(vi.format_map(facts), en.format_map(facts)) for vi, en in (REASONS[p] for p in self.problems)]
        return " ".join(vi for vi, _ in texts), " ".join(en for _, en in texts)

    def as_record(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "subject": self.subject,
            "issuer": self.issuer,
            "fingerprint": self.fingerprint,
            "tax_codes": list(self.tax_codes),
            "id_numbers": list(self.id_numbers),
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "time_source": self.time_source,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "applicant": self.applicant,
            "intact": self.intact,
            "trusted": self.trusted,
            "revocation": self.revocation,
            "revocation_evidence": [e.as_record() for e in self.evidence],
            "problems": list(self.problems),
        }


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class SignatureVerdict:
    """What the signature check says of one attachment that must carry the applicant's signature.

    ``valid`` means no finding. ``code`` is the finding's code when there is one (None for the
    verdicts of older callers, which then follow ``signed``/``valid``). Messages are made by
    :meth:`finding`, which is told how to name the attachment: what the file is taken for is
    decided after its signature is read."""

    attachment: str
    signed: bool
    valid: bool
    reason: str = ""
    """Vietnamese, why the signature is not accepted."""
    code: Literal["signature_missing", "signature_invalid", "signature_not_applicant"] | None = None
    label: str = ""
    """How messages name the attachment by default (a component's title); the file name if empty."""
    template: str = ""
    """For ``signature_not_applicant``: the message, with ``{where}`` for the attachment."""
    suggestion: str | None = None
    reason_en: str = ""
    """English, with ``{where}`` for the attachment where it names it."""
    revocation: Revocation = "not_checked"
    """Of the applicant's signature (the one the verdict rests on)."""
    signers: tuple[SignerCheck, ...] = field(default=())

    template_en: str = ""
    """``template`` in English."""

    @property
    def where(self) -> tuple[str, str]:
        """How the attachment is named by default, in Vietnamese and English."""
        if self.label:
            return f"«{self.label}»", f"“{self.label}”"
        return f"tệp {self.attachment}", f"file {self.attachment}"

    def finding(self, where: tuple[str, str] | None = None) -> Finding | None:
        """The finding for the applicant, or None when the signature is accepted.

        `where` names the attachment in the message, in Vietnamese and English (e.g. "tệp request.pdf
        (Văn bản đề nghị)", "file request.pdf (The applicant's ... request)"); :attr:`where` when not given."""
        vi, en = where or self.where
        code = self.code or ("signature_missing" if not self.signed else None if self.valid else "signature_invalid")
        if code is None:
            return None
        if code == "signature_missing":
            suggestion = self.suggestion or "Ký số tệp và tải lên lại."
            return finding("signature.missing", field="attachments", suggestion=suggestion, where=(vi, en))
        if code == "signature_invalid":
            suggestion = self.suggestion or "Ký số lại tệp gốc và tải lên lại."
            reason = (self.reason, self.reason_en.replace("{where}", en) or self.reason)
            return finding(
                "signature.invalid", field="attachments", suggestion=suggestion, where=(vi, en), reason=reason
            )
        return Finding(
            code=code,
            field="attachments",
            message=self.template.replace("{where}", vi),
            message_en=self.template_en.replace("{where}", en),
            suggestion=self.suggestion,
        )

    def as_record(self) -> dict[str, Any]:
        """What the dossier's record keeps of this check (who signed, whether revocation was checked)."""
        finding = self.finding()
        english = self.reason_en.replace("{where}", f"file {self.attachment}")
        return {
            "attachment": self.attachment,
            "signed": self.signed,
            "valid": self.valid,
            "code": finding.code if finding else None,
            "reason": {"vi": finding.message, "en": english} if finding else None,
            "revocation": self.revocation,
            "signers": [s.as_record() for s in self.signers],
        }


def unsigned(attachment: str, label: str = "", reason_en: str = "The file carries no signature.") -> SignatureVerdict:
    """The verdict on a file with no signature (or not a PDF, which cannot carry one)."""
    return SignatureVerdict(
        attachment, signed=False, valid=False, code="signature_missing", label=label, reason_en=reason_en
    )


def judge_signatures(
    data: bytes,
    applicant: Any,
    anchors: bytes,
    *,
    attachment: str,
    label: str = "",
    id_number: str | None = None,
    policy: RevocationPolicy | None = None,
    now: datetime | None = None,
) -> SignatureVerdict:
    """Judge every signature of a PDF the applicant must have signed.

    Parameters
    ----------
    data:
        The file as uploaded.
    applicant:
        The dossier's applicant (anything with ``tax_code``); its tax code is what the signer's
        certificate must name.
    anchors:
        PEM bundle of the trusted roots (:func:`chalicelib.checks.trust.trust_anchors`).
    attachment, label:
        The file's name, and how messages name it (the component); the file name when empty.
    id_number:
        For an applicant with no tax code: the CCCD/CMND of the worker filing for themselves.
    policy:
        Revocation checking (default: soft-fail, 5 s per request).
    now:
        When the check runs (a signing time after it is not believed).

    Several signatures combine so that a bounce is always the applicant's to fix, and never a
    false one: a signature whose bytes do not match (changed after signing, not covering the
    file) bounces whoever made it, since the file is then not what the applicant signed; of the
    others, the applicant's must be there and sound (trusted, valid when it signed, not revoked).
    A foreign extra signature (a countersigning director, a trade union) that is intact does not
    bounce even when we do not trust its CA: it takes nothing from the applicant's, and it is kept
    in the record for the clerk. When no signature is the applicant's: a sound one of another
    unit gives `signature_not_applicant`; one we cannot trust gives `signature_invalid`, since
    what an untrusted certificate says of its owner is worth nothing.

    Raises
    ------
    chalicelib.documents.verify.VerificationError
        when `data` is not a PDF.
    RevocationUnavailable
        under a ``hard`` policy, when the applicant's certificate's revocation could not be asked.
    """
    from chalicelib.documents.verify import VerificationError

    if not isinstance(data, (bytes, bytearray)) or b"%PDF-" not in bytes(data[:1024]):
        raise VerificationError("not a PDF: no %PDF- header")
    policy = policy or RevocationPolicy()
    now = now or datetime.now(UTC)
    tax_code = getattr(applicant, "tax_code", None) or None
    checks = _read_signatures(bytes(data), anchors, policy, now, tax_code, None if tax_code else id_number)
    if checks is None:  # not readable as a PDF at all: no signature can be found in it
        return unsigned(attachment, label, reason_en=REASONS["damaged"][1])
    if not checks:
        return unsigned(attachment, label)
    signers = tuple(checks)
    broken = next((c for c in checks if c.broken), None)
    if broken is not None:
        return _invalid(attachment, label, broken, signers)
    candidates = [c for c in checks if c.applicant is not False]
    preference = ("good", "not_checked", "unavailable")
    good = sorted((c for c in candidates if c.sound), key=lambda c: preference.index(c.revocation))
    if good:
        chosen = good[0]
        if policy.mode == "hard" and chosen.revocation == "unavailable":
            raise RevocationUnavailable(f"no OCSP/CRL answer for the certificate of {chosen.name} ({attachment})")
        return SignatureVerdict(
            attachment, signed=True, valid=True, label=label, revocation=chosen.revocation, signers=signers
        )
    if candidates:
        return _invalid(attachment, label, candidates[0], signers)
    sound = [c for c in checks if c.sound]
    if sound:
        return _not_applicant(attachment, label, sound[0], signers, tax_code, id_number)
    return _invalid(attachment, label, checks[-1], signers)


def _invalid(attachment: str, label: str, check: SignerCheck, signers: tuple[SignerCheck, ...]) -> SignatureVerdict:
    vi, en = check.reason()
    return SignatureVerdict(
        attachment,
        signed=True,
        valid=False,
        reason=vi,
        reason_en=en,
        code="signature_invalid",
        label=label,
        revocation=check.revocation,
        signers=signers,
    )


def _not_applicant(
    attachment: str,
    label: str,
    check: SignerCheck,
    signers: tuple[SignerCheck, ...],
    tax_code: str | None,
    id_number: str | None,
) -> SignatureVerdict:
    if tax_code:
        ours = (f"đơn vị nộp hồ sơ (mã số thuế {tax_code})", f"the applicant (tax code {tax_code})")
        own = f"của chính đơn vị (mã số thuế {tax_code})"
    else:
        ours = (f"người nộp hồ sơ (số CCCD/CMND {id_number})", f"the applicant (ID number {id_number})")
        own = f"của chính người nộp hồ sơ (số CCCD/CMND {id_number})"
    theirs: tuple[str, str] | None = None
    if check.tax_codes:
        codes = ", ".join(check.tax_codes)
        theirs = (f"đơn vị mã số thuế {codes}", f"the unit with tax code {codes}")
    elif check.id_numbers:
        kind = "CCCD" if len(check.id_numbers[0]) == 12 else "CMND"
        number = check.id_numbers[0]
        theirs = (f"cá nhân có số {kind} {number}", f"the individual with ID number {number}")
    # the wording with {where} left for the attachment's name, given when the finding is made
    if theirs:
        template, reason_en = texts("signature.other_signer", where="{where}", theirs=theirs, ours=ours)
    else:
        what = ("mã số thuế", "tax code") if tax_code else ("số CCCD/CMND", "ID number")
        template, reason_en = texts("signature.signer_unnamed", where="{where}", name=check.name, what=what, ours=ours)
    return SignatureVerdict(
        attachment,
        signed=True,
        valid=False,
        code="signature_not_applicant",
        label=label,
        template=template,
        template_en=reason_en,
        reason=template.replace("{where}", f"«{label}»" if label else f"tệp {attachment}"),
        reason_en=reason_en,
        suggestion=f"Ký số bằng chứng thư số {own} và tải lên lại.",
        revocation=check.revocation,
        signers=signers,
    )


def _read_signatures(
    data: bytes, anchors: bytes, policy: RevocationPolicy, now: datetime, tax_code: str | None, id_number: str | None
) -> list[SignerCheck] | None:
    """Each signature judged (in the order they were made); None when the file cannot be read."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import load_certs_from_pemder_data

    from chalicelib.documents.verify import _load_validation  # the import-deadlock guard, shared

    _load_validation()
    roots = list(load_certs_from_pemder_data(anchors)) if anchors else []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception:  # noqa: BLE001 - a PDF pyHanko cannot open has no signature to judge
        return None
    out = []
    for index, sig in enumerate(signatures):
        try:
            check = _judge(sig, roots, policy, now, last=index == len(signatures) - 1)
        except RevocationUnavailable:
            raise
        except Exception:  # noqa: BLE001 - a damaged signature is a finding, not a fault
            # pyHanko could not even evaluate it (mangled CMS, ByteRange out of the file...)
            check = SignerCheck(getattr(sig, "field_name", None), None, None, None, problems=("damaged",))
        if tax_code:
            applicant = any(same_unit(t, tax_code) for t in check.tax_codes)
        elif id_number:
            applicant = id_number in check.id_numbers
        else:
            applicant = None
        out.append(replace(check, applicant=applicant))
    return out


def _context(roots: list, policy: RevocationPolicy, moment: datetime | None = None, fetch: bool = True) -> Any:
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.api import FetchLimits, OwnedFetcherBackend
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    fetching = fetch and policy.fetching and moment is None
    backend = None
    if fetching:
        # issuer certificates are not fetched from the addresses a certificate names (anyone can
        # write one): intermediates come embedded in the signature, or the operator adds them to the anchors
        limits = FetchLimits(max_requests=policy.max_requests, max_cert_requests=0)
        backend = OwnedFetcherBackend(RequestsFetcherBackend(per_request_timeout=policy.timeout_s, limits=limits))
    return ValidationContext(
        trust_roots=roots,
        moment=moment,
        allow_fetching=fetching,
        fetcher_backend=backend,
        revocation_mode="soft-fail",
        retroactive_revinfo=moment is not None,
    )


def _validate(sig: Any, context: Any, last: bool) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    # licensed CAs set digitalSignature, nonRepudiation or both on signing certificates: either will do
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    return validate_pdf_signature(sig, context, key_usage_settings=usage, skip_diff=last)


def _judge(sig: Any, roots: list, policy: RevocationPolicy, now: datetime, last: bool) -> SignerCheck:
    from cryptography import x509 as cx509
    from pyhanko.sign.ades.report import AdESIndeterminate
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator.util import get_declared_revinfo

    cert = sig.signer_cert
    parsed = cx509.load_der_x509_certificate(cert.dump())
    attributes = [(a.oid.dotted_string, str(a.value)) for a in parsed.subject]
    taxes, ids = signer_identity(attributes)
    issuer_cn = [str(a.value) for a in parsed.issuer if a.oid.dotted_string == "2.5.4.3"]
    subject_cn = [value for oid, value in attributes if oid == "2.5.4.3"]
    not_before, not_after = parsed.not_valid_before_utc, parsed.not_valid_after_utc

    context = _context(roots, policy)
    status = _validate(sig, context, last)
    evidence = _evidence(context)
    asked = policy.fetching  # the status comes from a context that could ask OCSP/CRL addresses
    revocation: Revocation = "not_checked"
    declared = any(get_declared_revinfo(cert))
    if status.trust_problem_indic == AdESIndeterminate.TRY_LATER and asked and declared:
        # an OCSP/CRL answer that could not be had or used: judge the rest without it
        if policy.mode == "hard":
            raise RevocationUnavailable(f"no usable OCSP/CRL answer for {cert.subject.human_friendly}")
        status, revocation, asked = _validate(sig, _context(roots, policy, fetch=False), last), "unavailable", False
    stamp = status.timestamp_validity
    source: Literal["timestamp", "claimed"]
    if stamp is not None and stamp.intact and stamp.valid:
        signed_at, source = stamp.timestamp, "timestamp"
    else:
        signed_at, source = status.signer_reported_dt or sig.self_reported_timestamp, "claimed"
    if signed_at is not None and not_before <= signed_at <= not_after and now > not_after:
        # expired since it signed: the chain is judged as it stood then (no fetching at a past moment)
        status, asked = _validate(sig, _context(roots, policy, moment=signed_at), last), False

    problems: list[str] = []
    if not status.intact:
        problems.append("digest_mismatch")
    if not status.valid:
        problems.append("signature_invalid")
    if last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("not_whole_file")
    elif not last:
        # later revisions may add signatures and fill fields (pyHanko's diff policy and the file's
        # DocMDP say what else); a change to the content itself is what makes this signature void
        level = status.modification_level
        covered = status.coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
        if not covered or level is None or level == ModificationLevel.OTHER or status.docmdp_ok is False:
            problems.append("modified_after_signing")
    if signed_at is not None and signed_at > now + _FUTURE_SKEW:
        problems.append("signed_in_future")
    elif signed_at is not None and signed_at < not_before:
        problems.append("not_yet_valid")
    elif signed_at is not None and signed_at > not_after:
        problems.append("expired")
    trusted = bool(roots) and status.trusted
    if not trusted and {"signed_in_future", "not_yet_valid", "expired"}.intersection(problems):
        # is the chain otherwise sound? judged inside the validity period, so the applicant learns
        # every problem at once and not "untrusted" for what is only the period's
        inside = _validate(sig, _context(roots, policy, moment=not_before + (not_after - not_before) / 2), last)
        trusted = bool(roots) and inside.trusted
    if status.revoked:
        revocation = "revoked"
        problems.append("revoked")
    elif not trusted and status.intact and status.valid:
        problems.append("self_signed" if cert.self_issued else "untrusted")
    if trusted and revocation == "not_checked" and declared and asked:
        revocation = "unavailable" if context.soft_fail_exceptions else "good"
    details = status.revocation_details
    revoked_at = details.revocation_date if details is not None else None
    since = f" từ {_when(revoked_at)}" if revoked_at else ""
    since_en = f" since {_when(revoked_at, True)}" if revoked_at else ""
    signer = subject_cn[0] if subject_cn else cert.subject.human_friendly
    facts = {
        "issuer": issuer_cn[0] if issuer_cn else cert.issuer.human_friendly,
        "signer_cn": signer,
        "signer": f"«{signer}»",
        "signer_en": f"“{signer}”",
        "signed_at": _when(signed_at),
        "signed_at_en": _when(signed_at, True),
        "not_before": _when(not_before),
        "not_before_en": _when(not_before, True),
        "not_after": _when(not_after),
        "not_after_en": _when(not_after, True),
        "since": since,
        "since_en": since_en,
    }
    return SignerCheck(
        field=sig.field_name,
        subject=cert.subject.human_friendly,
        issuer=facts["issuer"],
        fingerprint=cert.sha256.hex(),
        tax_codes=taxes,
        id_numbers=ids,
        signed_at=signed_at,
        time_source=source if signed_at is not None else None,
        not_before=not_before,
        not_after=not_after,
        intact=status.intact,
        trusted=trusted and not problems,
        revocation=revocation,
        evidence=evidence,
        problems=tuple(problems),
        facts=tuple(facts.items()),
    )


def _evidence(context: Any) -> tuple[RevocationEvidence, ...]:
    """What the context fetched (or was given): each OCSP response and CRL once, as received."""
    found = [RevocationEvidence("ocsp", r.dump()) for r in context.ocsps]
    found += [RevocationEvidence("crl", c.dump()) for c in context.crls]
    return tuple({e.sha256: e for e in found}.values())
