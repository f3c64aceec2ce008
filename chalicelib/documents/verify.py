"""Check a PDF someone holds: is its signature intact, is it ours, and which slip is it?

:func:`verify_pdf` answers every PDF with a :class:`Verification`: unsigned, altered by one byte,
signed by someone else, damaged beyond reading, all are answers, never exceptions. Only input that
is not a PDF at all raises :class:`VerificationError` (the API turns it into a 400).

``valid`` means: there is a signature, its digest matches the bytes it covers, the signature
value is correct, and it covers the whole file (nothing was appended after signing but, for a
B-LT slip, its validation data, and for a B-LTA slip the document timestamps over them, each of
which must be intact, valid and trusted). With a trusted signature timestamp the signer's certificate is
validated as of the timestamp's time, not now.
``signed_by_us`` additionally requires the signer's certificate to be one of ours (by SHA-256
fingerprint) and to chain to the given trust roots. Whether the slip is one we recorded (by hash)
is the caller's question: it has the store.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .render import METADATA_KEYS

__all__ = ["PROBLEMS", "PROBLEMS_EN", "Verification", "VerificationError", "fingerprint", "verify_pdf"]

PROBLEMS: dict[str, str] = {
    "damaged": "Tệp PDF bị hỏng, không đọc được.",
    "not_signed": "Văn bản không có chữ ký số.",
    "digest_mismatch": "Nội dung văn bản đã bị thay đổi sau khi ký.",
    "signature_invalid": "Chữ ký số không hợp lệ.",
    "not_whole_file": "Chữ ký số không bao trùm toàn bộ tệp: có nội dung được thêm vào sau khi ký.",
    "untrusted": "Chứng thư số của người ký không được tin cậy.",
    "not_our_key": "Văn bản không do hệ thống một cửa điện tử ký.",
    "not_issued": "Văn bản được ký bằng khóa của hệ thống nhưng không có trong sổ phiếu đã cấp: không phải phiếu do hệ thống phát hành.",
    "archive_timestamp_invalid": "Dấu thời gian lưu trữ (B-LTA) của văn bản không hợp lệ hoặc không được tin cậy.",
}
"""Machine-readable problem codes and their message in Vietnamese."""
PROBLEMS_EN: dict[str, str] = {
    "damaged": "The PDF is damaged and cannot be read.",
    "not_signed": "The document carries no digital signature.",
    "digest_mismatch": "The document was changed after it was signed.",
    "signature_invalid": "The digital signature is not valid.",
    "not_whole_file": "The signature does not cover the whole file: something was added after signing.",
    "untrusted": "The signer's certificate is not trusted.",
    "not_our_key": "The document was not signed by the one-stop system.",
    "not_issued": "Signed with the system's key, but no slip the system issued: the slip register does not hold it.",
    "archive_timestamp_invalid": "The document's archive timestamp (B-LTA) is not valid or not trusted.",
}
"""The same problems in English (the API's `message_en`)."""


# pyHanko logs a traceback for every certificate it cannot chain; here that is an expected answer
# (a slip signed by someone else), reported as the problem "untrusted", not an error.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.CRITICAL)


class VerificationError(ValueError):
    """The input is not a PDF (no ``%PDF-`` header in its first kilobyte)."""


@dataclass(frozen=True)
class Verification:
    """The answer about one PDF."""

    valid: bool
    """Signed, intact, cryptographically valid, and covering the whole file."""
    signed_by_us: bool
    """``valid``, trusted, and signed with one of our certificates."""
    signed: bool = False
    """There is at least one signature."""
    intact: bool = False
    """The digest of the signed bytes matches (False after a one-byte change)."""
    covers_whole_file: bool = False
    trusted: bool = False
    """The signer's certificate chains to the given trust roots."""
    signer: str | None = None
    """The signer certificate's subject, human-readable."""
    signer_fingerprint: str | None = None
    """SHA-256 of the signer certificate, lowercase hex."""
    signed_at: datetime | None = None
    """The signing time the signer claims (not a timestamp unless one is embedded)."""
    timestamped_at: datetime | None = None
    """The time a trusted TSA put on the signature (PAdES B-T and above): the time it is validated at."""
    archived_at: datetime | None = None
    """PAdES B-LTA: the time of the newest document timestamp (all of them intact, valid and trusted)."""
    kind: str | None = None
    number: str | None = None
    portal_code: str | None = None
    office: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)
    """Codes of :data:`PROBLEMS`, the most serious first; empty when ``signed_by_us``."""

    @property
    def messages(self) -> list[str]:
        return [PROBLEMS[p] for p in self.problems]

    def as_dict(self) -> dict:
        """The shape of ``POST /v1/verify`` (plus details)."""
        return {
            "valid": self.valid,
            "signed_by_us": self.signed_by_us,
            "document": {"kind": self.kind, "number": self.number, "portal_code": self.portal_code},
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "timestamped_at": self.timestamped_at.isoformat() if self.timestamped_at else None,
            "archived_at": self.archived_at.isoformat() if self.archived_at else None,
            "covers_whole_file": self.covers_whole_file,
            "problems": [{"code": p, "message": PROBLEMS[p], "message_en": PROBLEMS_EN[p]} for p in self.problems],
        }


def fingerprint(cert_der_or_pem: bytes) -> str:
    """SHA-256 fingerprint (lowercase hex) of a certificate given as DER or PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    data = cert_der_or_pem
    cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    return cert.fingerprint(hashes.SHA256()).hex()


def _norm_fp(value: str | bytes) -> str:
    if isinstance(value, bytes) and len(value) == 32:
        return value.hex()
    text = value.decode() if isinstance(value, bytes) else value
    return text.replace(":", "").replace(" ", "").lower()


def verify_pdf(data: bytes, trust_roots_pem: bytes, our_cert_fingerprints: Iterable[str | bytes]) -> Verification:
    """Verify the (last) signature of a PDF and read which slip it is.

    Parameters
    ----------
    data:
        The file as received.
    trust_roots_pem:
        PEM bundle of the CAs to trust (locally ``ca.pem``).
    our_cert_fingerprints:
        SHA-256 fingerprints of our signing certificates (hex, colons allowed, or 32 raw bytes).

    Raises
    ------
    VerificationError
        when ``data`` is not a PDF.

    Examples
    --------
    >>> v = verify_pdf(signed, ca_pem, [fingerprint(cert_pem)])   # doctest: +SKIP
    >>> v.valid, v.signed_by_us, v.kind
    (True, True, 'receipt')
    """
    if not isinstance(data, (bytes, bytearray)) or b"%PDF-" not in bytes(data[:1024]):
        raise VerificationError("not a PDF: no %PDF- header")
    from pyhanko.pdf_utils.reader import PdfFileReader

    _load_validation()
    ours = {_norm_fp(f) for f in our_cert_fingerprints}
    try:
        reader = PdfFileReader(io.BytesIO(bytes(data)), strict=False)
        meta = _slip_metadata(reader)
        signatures = list(reader.embedded_regular_signatures)
        stamps = list(reader.embedded_timestamp_signatures)
    except Exception:  # noqa: BLE001 - any PDF pyHanko cannot read is answered as damaged
        return Verification(valid=False, signed_by_us=False, problems=("damaged",))
    if not signatures:
        return Verification(valid=False, signed_by_us=False, problems=("not_signed",), **meta)
    try:
        checked = _check(signatures[-1], trust_roots_pem, ours, meta)
        later = [s for s in stamps if s.signed_revision > signatures[-1].signed_revision]
        return _archived(checked, later, trust_roots_pem) if later else checked
    except Exception:  # noqa: BLE001 - a damaged signature is an answer, not a fault
        # pyHanko could not even evaluate the signature (mangled CMS, ByteRange out of the file...)
        return Verification(
            valid=False, signed_by_us=False, signed=True, problems=("damaged", "signature_invalid"), **meta
        )


def _load_validation() -> None:
    """Import, outside the `try` blocks of `verify_pdf`, what pyHanko would import lazily inside them.

    Those blocks turn any exception into a verdict about the file ("damaged", so "not signed"). An
    import that fails is the process's fault, not the file's: seen under load, a worker importing
    pyHanko in two threads at once got `_DeadlockError` from `reader.embedded_signatures`, and a
    correctly signed request came back as `signature_missing` to the applicant. Raised here, it fails
    the step instead, which is retried."""
    import pyhanko.sign.validation.pdf_embedded
    import pyhanko.sign.validation.status  # noqa: F401
    import pyhanko_certvalidator  # noqa: F401
    from pyhanko.sign import general, validation  # noqa: F401


def _check(sig, trust_roots_pem: bytes, ours: set[str], meta: dict) -> Verification:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.general import load_certs_from_pemder_data
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = list(load_certs_from_pemder_data(trust_roots_pem)) if trust_roots_pem else []

    def context(moment: datetime | None = None) -> ValidationContext:
        return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment)

    # Only a B-LT slip has a revision after its signature (the validation data, DSS): the diff
    # analysis that allows that one kind of update runs only then.
    whole_file = sig.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    status = validate_pdf_signature(sig, context(), ts_validation_context=context(), skip_diff=whole_file)
    stamp = status.timestamp_validity
    stamped_at = stamp.timestamp if stamp is not None and stamp.intact and stamp.valid and stamp.trusted else None
    if stamped_at is not None:
        # A trusted timestamp proves the signature existed then: the signer's certificate is judged as
        # of that time, so a slip stays valid after its certificate expired (or was replaced).
        status = validate_pdf_signature(sig, context(stamped_at), ts_validation_context=context(), skip_diff=whole_file)
    cert = status.signing_cert
    fp = cert.sha256.hex() if cert is not None else None
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    )
    trusted = bool(roots) and status.trusted
    valid = status.intact and status.valid and whole
    problems = []
    if not status.intact:
        problems.append("digest_mismatch")
    if not status.valid:
        problems.append("signature_invalid")
    if not whole:
        problems.append("not_whole_file")
    if not trusted and status.intact and status.valid:
        problems.append("untrusted")  # trust is only evaluated for a sound signature
    if fp not in ours:
        problems.append("not_our_key")
    return Verification(
        valid=valid,
        signed_by_us=valid and trusted and fp in ours,
        signed=True,
        intact=status.intact,
        covers_whole_file=whole,
        trusted=trusted,
        signer=cert.subject.human_friendly if cert is not None else None,
        signer_fingerprint=fp,
        signed_at=status.signer_reported_dt,
        timestamped_at=stamped_at,
        problems=tuple(problems),
        **meta,
    )


def _archived(checked: Verification, stamps: list, trust_roots_pem: bytes) -> Verification:
    """`checked` with its B-LTA document timestamps judged: each intact, valid and trusted under the
    roots, and after the newest nothing but validation data (pyHanko adds the TSA's own chain to the
    DSS there, for the next archive stamp to cover); else not valid (`archive_timestamp_invalid`)."""
    from dataclasses import replace

    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.general import load_certs_from_pemder_data
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = list(load_certs_from_pemder_data(trust_roots_pem)) if trust_roots_pem else []
    sound, newest = bool(roots), None
    for stamp in stamps:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        whole = stamp.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
        status = validate_pdf_timestamp(stamp, context, skip_diff=whole)
        sound = sound and status.intact and status.valid and status.trusted
        if not whole and status.modification_level not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
            sound = False
        newest = status.timestamp
    if sound:
        return replace(checked, archived_at=newest)
    problems = (*checked.problems, "archive_timestamp_invalid")
    return replace(checked, valid=False, signed_by_us=False, problems=problems)


def _slip_metadata(reader) -> dict:
    info = reader.trailer_view.get("/Info")
    out: dict = {}
    if info is None:
        return dict.fromkeys(METADATA_KEYS)
    info = info.get_object() if hasattr(info, "get_object") else info
    for name, key in METADATA_KEYS.items():
        value = info.get(key)
        out[name] = str(value) if value is not None else None
    return out
