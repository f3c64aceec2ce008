"""Another signature CA than the local demo's, written here without its code: certificates as Vietnam's
licensed CAs issue them (``UID=MST:...``, ``MST:`` in CN or serialNumber, ``CCCD:`` for a person),
valid, expired, not yet valid, self-signed, and PDFs signed with them by pyHanko."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

UID = x509.ObjectIdentifier("0.9.2342.19200300.100.1.1")
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Identity:
    key: bytes
    """PEM, PKCS#8."""
    cert: bytes
    """PEM."""
    chain: tuple[bytes, ...] = ()
    """Issuers (PEM), embedded in the signature."""


def _name(pairs: Sequence[tuple[x509.ObjectIdentifier, str]]) -> x509.Name:
    country = x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")
    return x509.Name([country, *(x509.NameAttribute(oid, v) for oid, v in pairs)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(pem, pkcs8, serialization.NoEncryption())


class OtherCA:
    """A root ("CA thử nghiệm khác") issuing signing certificates; `pem` is what an operator trusts."""

    def __init__(self, name: str = "Other Test Signature CA (khác)") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name([(NameOID.ORGANIZATION_NAME, "Công ty CP Chứng thực Khác"), (NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=3650))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, directory: Path, name: str = "other-root.crt") -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(self.pem)
        return directory

    def issue(
        self,
        subject: Sequence[tuple[x509.ObjectIdentifier, str]],
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        ocsp_url: str | None = None,
    ) -> Identity:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - dt.timedelta(days=30))
            .not_valid_after(not_after or NOW + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        )
        if ocsp_url:
            ocsp_method = x509.oid.AuthorityInformationAccessOID.OCSP
            where = x509.AccessDescription(ocsp_method, x509.UniformResourceIdentifier(ocsp_url))
            builder = builder.add_extension(x509.AuthorityInformationAccess([where]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return Identity(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM), (self.pem,))


def company(tax_code: str, name: str = "Công ty TNHH Khác") -> list[tuple[x509.ObjectIdentifier, str]]:
    """A unit's certificate subject as VNPT-CA or Viettel-CA write it."""
    return [(NameOID.LOCALITY_NAME, "Hà Nội"), (NameOID.COMMON_NAME, name), (UID, f"MST:{tax_code}")]


def self_signed(subject: Sequence[tuple[x509.ObjectIdentifier, str]]) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(subject)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Identity(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM))


def sign(pdf: bytes, identity: Identity, field: str = "Signature1", signed_at: dt.datetime | None = None) -> bytes:
    """`pdf` with a PAdES signature of `identity` over the whole file (added as a new revision).

    `signed_at`: the signing time the signature claims (pyHanko takes its clock; it is set back for the call)."""
    if signed_at is not None:
        from pyhanko.sign.signers import pdf_signer

        class _Clock(dt.datetime):
            @classmethod
            def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
                return signed_at.astimezone(tz)

        real, pdf_signer.datetime = pdf_signer.datetime, _Clock  # type: ignore[attr-defined]
        try:
            return sign(pdf, identity, field)
        finally:
            pdf_signer.datetime = real  # type: ignore[attr-defined]
    from asn1crypto import keys
    from asn1crypto import x509 as ax509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import load_certs_from_pemder_data
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = serialization.load_pem_private_key(identity.key, None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    cert: ax509.Certificate = next(iter(load_certs_from_pemder_data(identity.cert)))
    chain = [c for pem in identity.chain for c in load_certs_from_pemder_data(pem)]
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    pades = fields.SigSeedSubFilter.PADES
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256", subfilter=pades)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), meta, signer=signer).getvalue()
