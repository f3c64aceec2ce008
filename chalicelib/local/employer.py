"""A demo employer's digital signature, for the local stage only.

In production an employer signs its request with a certificate from a licensed CA, and those CAs'
roots are what `MOTCUA_TRUST_ANCHORS` names (`chalicelib.checks.trust`). Locally there is no such
CA, so `make run` makes one ("CA chữ ký số doanh nghiệp (local)"), adds it to the anchors, and
`motcua sign-request --tax-code ...` signs a PDF as a given unit: its certificate names the unit's
tax code as Vietnamese CAs write it (``UID=MST:<tax code>``), so the check that the signer is the
applicant holds locally exactly as it does in production.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["DemoEmployer", "ensure_demo_employer", "ensure_employer_ca", "sign_as_employer"]

CA_NAME = "CA chữ ký số doanh nghiệp (local)"
_TAX = re.compile(r"[0-9]{10}(-?[0-9]{3})?")


@dataclass(frozen=True)
class DemoEmployer:
    key: Path
    cert: Path
    ca: Path
    """The root the local stage adds to `MOTCUA_TRUST_ANCHORS`."""
    tax_code: str | None = None
    """What the certificate names as ``UID=MST:``; None for the CA's old anonymous certificate."""


def _name(common: str, tax_code: str | None = None) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if tax_code:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"MST:{tax_code}"))
    return x509.Name(attributes)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Whole or not at all: another process may read the file while it is made."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    temporary.chmod(mode)
    temporary.replace(path)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One issuer at a time per directory (the stack, the tests and a CLI may start together)."""
    with open(directory / ".employer.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pem_key(key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encoding, form = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, form, serialization.NoEncryption())  # type: ignore[attr-defined]


def _ca(directory: Path) -> tuple[object, object]:
    """The local employer CA's (key, certificate), made once; made again if its key was never kept."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_path, cert_path = directory / "employer-ca-key.pem", directory / "employer-ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(CA_NAME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _pem_key(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def ensure_employer_ca(directory: Path) -> Path:
    """The local employer CA's certificate (made once in `directory`): the root the local stage trusts."""
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        _ca(directory)
    return directory / "employer-ca.pem"


def ensure_demo_employer(directory: Path, tax_code: str | None = None, *, name: str | None = None) -> DemoEmployer:
    """A signing key and certificate of the unit with `tax_code`, under the local employer CA.

    Issued once per tax code (``employer-<tax code>-key.pem``/``-cert.pem`` in `directory`, the CA
    made first if needed); `name` (the certificate's CN) is the unit's name at first issue. Without
    `tax_code`, a certificate that names no tax code (what the demo had before): a signature the
    check refuses as not the applicant's.

    Raises
    ------
    ValueError
        when `tax_code` is not 10 digits, optionally with a 3-digit branch (``-001``).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if tax_code is not None and not _TAX.fullmatch(tax_code):
        raise ValueError(f"a tax code is 10 digits, optionally followed by -NNN for a branch, not {tax_code!r}")
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"employer-{tax_code}" if tax_code else "employer"
    ca_path = directory / "employer-ca.pem"
    found = DemoEmployer(directory / f"{stem}-key.pem", directory / f"{stem}-cert.pem", ca_path, tax_code)
    with _locked(directory):
        ca_key, ca = _ca(directory)
        if found.key.exists() and found.cert.exists():
            issued = x509.load_pem_x509_certificate(found.cert.read_bytes())
            if _issued_by(issued, ca):
                return found
        now = dt.datetime.now(dt.UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        anonymous = "Công ty TNHH Demo Một Cửa (chữ ký số thử nghiệm)"
        common = name or (f"Đơn vị MST {tax_code} (chữ ký số thử nghiệm)" if tax_code else anonymous)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common, tax_code))
            .issuer_name(ca.subject)  # type: ignore[attr-defined]
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
        )
        _write(found.key, _pem_key(key), 0o600)
        _write(found.cert, cert.public_bytes(serialization.Encoding.PEM))
    return found


def _issued_by(cert: object, ca: object) -> bool:
    """Whether `cert` was signed by this very CA (a CA made again leaves older certificates orphaned)."""
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(ca)  # type: ignore[attr-defined]
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def sign_as_employer(pdf: bytes, employer: DemoEmployer) -> bytes:
    """`pdf` with the employer's PAdES signature over the whole file."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(employer.key), str(employer.cert), ca_chain_files=(str(employer.ca),))
    meta = signers.PdfSignatureMetadata(
        field_name="EmployerSignature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), meta, signer=signer)
    return out.getvalue()
