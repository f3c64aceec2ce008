"""The local stage's own RFC 3161 time-stamping authority (TSA), so that its slips are PAdES B-LT.

In AWS the stage names a real TSA (`TsaUrl`, required in prod). Locally nothing may reach the
internet, so `prepare()` starts this one on loopback: an HTTP server answering
`application/timestamp-query` with pyHanko's own timestamper (`DummyTimeStamper`, a complete RFC 3161
responder despite its name), under a TSA certificate issued by the local CA, the same root the local
stage trusts for its slips. A slip's signature timestamp is thus checked like any other: `pdfsig` and
pyHanko see a trusted timestamp, and `/v1/verify` validates the signing certificate at that time.

The key and certificate are kept in the state directory (`tsa-key.pem`, `tsa-cert.pem`): a slip
timestamped yesterday still chains to the same CA after a restart.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["MAX_QUERY_BYTES", "LocalTsa", "ensure_tsa_identity", "start_tsa"]

TSA_NAME = "motcua local TSA (không dùng ngoài máy phát triển)"
MAX_QUERY_BYTES = 16 * 1024
"""A time-stamp query is a hash and a nonce: a few hundred bytes."""


@dataclass(frozen=True)
class LocalTsa:
    """A running local TSA."""

    url: str
    cert_pem: Path
    server: ThreadingHTTPServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ensure_tsa_identity(state_dir: Path) -> tuple[Path, Path]:
    """The TSA's key and certificate (issued by the local CA of `chalicelib.local.pki`), made once."""
    from chalicelib.local.pki import _ensure_ca, _now, _write_atomic

    key_path, cert_path = state_dir / "tsa-key.pem", state_dir / "tsa-cert.pem"
    ca_key, ca_cert = _ensure_ca(state_dir)
    if key_path.exists() and cert_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.issuer == ca_cert.subject and cert.not_valid_after_utc > _now() + dt.timedelta(days=30):
            return key_path, cert_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, TSA_NAME)]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # RFC 3161 §2.3: a TSA's certificate has exactly this extended key usage, critical
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_atomic(
        key_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600,
    )
    _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _timestamper(state_dir: Path) -> Any:
    from asn1crypto import keys
    from pyhanko.sign.general import load_cert_from_pemder
    from pyhanko.sign.timestamps import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_path, cert_path = ensure_tsa_identity(state_dir)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca = load_cert_from_pemder(str(state_dir / "ca.pem"))
    return DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(cert_path)),
        tsa_key=keys.PrivateKeyInfo.load(der),
        certs_to_embed=SimpleCertificateStore.from_certs([ca]),
    )


def start_tsa(state_dir: Path, host: str = "127.0.0.1", port: int = 0) -> LocalTsa:
    """Serve the local TSA on `host:port` (0: a free port) in a daemon thread; answers its URL."""
    from asn1crypto import tsp

    stamper = _timestamper(state_dir)

    class Handler(BaseHTTPRequestHandler):
        # a worker's slips keep one connection to the TSA (chalicelib/documents/timestamps.py), as a
        # real TSA allows; headers and body leave at once, not held back by Nagle for the client's ACK
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("content-length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_QUERY_BYTES or self.headers.get("content-type") != "application/timestamp-query":
                self._reply(400, b"an application/timestamp-query of at most 16 KB", "text/plain")
                return
            try:
                query = tsp.TimeStampReq.load(self.rfile.read(length))
                answer = stamper.request_tsa_response(query).dump()
            except Exception:  # noqa: BLE001 - a malformed query is the client's error
                self._reply(400, b"not a time-stamp query (RFC 3161)", "text/plain")
                return
            self._reply(200, answer, "application/timestamp-reply")

        def _reply(self, status: int, body: bytes, media: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="tsa").start()
    return LocalTsa(
        url=f"http://{host}:{server.server_address[1]}/tsa", cert_pem=state_dir / "tsa-cert.pem", server=server
    )
