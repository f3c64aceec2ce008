"""A demo employer's digital signature, for the local stage only.

In production an employer signs its request with a certificate from a licensed CA, and those CAs'
roots are the PEM bundle `MOTCUA_TRUST_ANCHORS` names. Locally there is no such CA, so `make run`
makes one ("CA chữ ký số doanh nghiệp (local)"), trusts it, and `motcua sign-request` signs a PDF
as a demo employer: what a developer needs to see a dossier accepted end to end.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DemoEmployer", "ensure_demo_employer", "sign_as_employer"]


@dataclass(frozen=True)
class DemoEmployer:
    key: Path
    cert: Path
    ca: Path
    """The root to put in `MOTCUA_TRUST_ANCHORS`."""


def _name(common: str) -> object:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common)])


def ensure_demo_employer(directory: Path, common_name: str = "Công ty TNHH Demo Một Cửa (chữ ký số thử nghiệm)") -> DemoEmployer:
    """Make (once) a CA and an employer's signing key and certificate in `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory.mkdir(parents=True, exist_ok=True)
    found = DemoEmployer(directory / "employer-key.pem", directory / "employer-cert.pem", directory / "employer-ca.pem")
    if all(p.exists() for p in (found.key, found.cert, found.ca)):
        return found
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("CA chữ ký số doanh nghiệp (local)")
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    found.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    found.key.chmod(0o600)
    found.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return found


def sign_as_employer(pdf: bytes, employer: DemoEmployer) -> bytes:
    """`pdf` with the employer's PAdES signature over the whole file."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(employer.key), str(employer.cert), ca_chain_files=(str(employer.ca),))
    meta = signers.PdfSignatureMetadata(field_name="EmployerSignature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), meta, signer=signer)
    return out.getvalue()
