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
        crl_url: str | None = None,
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
        if crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
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


class RevocationService:
    """The CA's revocation service on loopback: an OCSP responder (POST `ocsp_url`) and a CRL
    (GET `crl_url`), both signed by the CA; serial numbers in `revoked` are revoked (2 days ago).

    `issue(..., via="ocsp"|"crl")` makes a certificate that names one of the two addresses."""

    def __init__(self, ca: OtherCA) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        self.ca, self.revoked, self.asked = ca, set[int](), 0
        self.issued: dict[int, x509.Certificate] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, body: bytes, media: str) -> None:
                service.asked += 1
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                from cryptography.x509 import ocsp

                request = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers["Content-Length"])))
                self._send(service.ocsp_answer(request), "application/ocsp-response")

            def do_GET(self) -> None:
                self._send(service.crl(), "application/pkix-crl")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_port}"
        self.ocsp_url, self.crl_url = f"{base}/ocsp", f"{base}/ca.crl"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ocsp_answer(self, request: object) -> bytes:
        from cryptography.x509 import ocsp

        serial = request.serial_number  # type: ignore[attr-defined]
        revoked = serial in self.revoked
        now = dt.datetime.now(dt.UTC)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=self.issued[serial],
                issuer=self.ca.cert,
                algorithm=hashes.SHA1(),
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                this_update=now - dt.timedelta(minutes=1),
                next_update=now + dt.timedelta(hours=1),
                revocation_time=now - dt.timedelta(days=2) if revoked else None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca.cert)
        )
        return builder.sign(self.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl(self) -> bytes:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.ca.name)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + dt.timedelta(hours=1))
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
        )
        for serial in sorted(self.revoked):
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - dt.timedelta(days=2))
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(self.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def issue(
        self, subject: Sequence[tuple[x509.ObjectIdentifier, str]], *, revoked: bool = False, via: str = "ocsp"
    ) -> Identity:
        identity = self.ca.issue(
            subject, ocsp_url=self.ocsp_url if via == "ocsp" else None, crl_url=self.crl_url if via == "crl" else None
        )
        cert = x509.load_pem_x509_certificate(identity.cert)
        self.issued[cert.serial_number] = cert
        if revoked:
            self.revoked.add(cert.serial_number)
        return identity
