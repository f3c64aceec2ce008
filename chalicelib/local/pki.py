"""The local stage's signing identity: a KMS key in the emulator, a local CA, and a certificate.

``ensure_signing_identity`` makes, idempotently:

- an asymmetric RSA_2048 SIGN_VERIFY key in KMS under the given alias (created through the KMS API:
  moto's CloudFormation KMS key answers DescribeKey with a 500);
- a local certification authority, its private key and self-signed certificate kept in
  ``state_dir`` (``ca-key.pem``, ``ca.pem``);
- a signing certificate for the KMS key's *public* key, issued by that CA
  (``signing-cert.pem``): the private key never leaves KMS; a certificate replaced (new key,
  near expiry) is appended to ``signing-history.pem``, so slips it signed still verify as ours;
- an NSS database ``state_dir/nssdb`` with the CA trusted, so ``pdfsig -nssdir`` says
  "Certificate is Trusted".

A second call reuses everything. The emulator keeps its state in memory: when the KMS key was
recreated after a restart, the signing certificate no longer matches its public key and is
re-issued by the same CA.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from chalicelib.adapters.kms import kms_client

__all__ = ["Identity", "PkiError", "ensure_signing_identity"]

CA_NAME = "motcua local CA (không dùng ngoài máy phát triển)"
SIGNER_NAME = "Bảo hiểm xã hội Việt Nam - motcua (local)"
NSS_NICKNAME = "motcua-local-ca"
HISTORY_FILE = "signing-history.pem"
"""Every signing certificate the stage used before the current one (`MOTCUA_SIGNING_HISTORY`)."""


class PkiError(Exception):
    """The local identity could not be made (KMS unreachable, ``certutil`` missing, ...)."""


@dataclass(frozen=True)
class Identity:
    """Where the local signing identity lives."""

    key_id: str
    """The KMS key's id (the alias points at it)."""
    key_alias: str
    ca_pem: Path
    """The local CA's certificate: the trust root for ``verify_pdf`` and ``pdfsig``."""
    signing_cert_pem: Path
    """The certificate of the KMS key's public key, issued by the CA."""
    nssdb: Path
    """NSS database with the CA trusted, for ``pdfsig -nssdir``."""

    @property
    def cert_chain_pem(self) -> bytes:
        """Signing certificate then CA: what ``SlipSigner.from_key`` takes."""
        return self.signing_cert_pem.read_bytes() + self.ca_pem.read_bytes()

    @property
    def trust_roots_pem(self) -> bytes:
        return self.ca_pem.read_bytes()


def ensure_signing_identity(state_dir: Path, kms_key_alias: str) -> Identity:
    """Make (or reuse) the KMS key, the local CA, the signing certificate and the NSS database.

    Parameters
    ----------
    state_dir:
        Directory kept across runs (e.g. ``.motcua/``); created if missing.
    kms_key_alias:
        ``alias/...`` of the signing key, e.g. ``settings().signing_key_alias``.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    key_id, public_der = _ensure_kms_key(kms_key_alias)
    ca_key, ca_cert = _ensure_ca(state_dir)
    cert_path = state_dir / "signing-cert.pem"
    history = state_dir / HISTORY_FILE
    if not history.exists():
        _write_atomic(history, b"")
    if not _cert_is_current(cert_path, public_der, ca_cert):
        if cert_path.exists():  # rotation: the slips the old certificate signed stay ours
            _write_atomic(history, history.read_bytes() + cert_path.read_bytes())
        cert = _issue_signing_cert(public_der, ca_key, ca_cert)
        _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    nssdb = _ensure_nssdb(state_dir / "nssdb", state_dir / "ca.pem", ca_cert)
    return Identity(
        key_id=key_id, key_alias=kms_key_alias, ca_pem=state_dir / "ca.pem", signing_cert_pem=cert_path, nssdb=nssdb
    )


def _ensure_kms_key(alias: str) -> tuple[str, bytes]:
    kms = kms_client()
    try:
        try:
            key_id = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
        except kms.exceptions.NotFoundException:
            key_id = kms.create_key(
                KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Description="motcua: signs the one-stop slips (local stage)"
            )["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        public_der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    except Exception as exc:
        raise PkiError(f"could not make or read the KMS key {alias}: {exc}") from exc
    return key_id, public_der


def _ensure_ca(state_dir: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key_path, cert_path = state_dir / "ca-key.pem", state_dir / "ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.not_valid_after_utc > _now() + dt.timedelta(days=30):
            return key, cert  # type: ignore[return-value]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua"),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_atomic(key_path, key_pem, mode=0o600)
    _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _cert_is_current(path: Path, public_der: bytes, ca_cert: x509.Certificate) -> bool:
    if not path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return False
    same_key = (
        cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        == public_der
    )
    return same_key and cert.issuer == ca_cert.subject and cert.not_valid_after_utc > _now() + dt.timedelta(days=30)


def _issue_signing_cert(public_der: bytes, ca_key, ca_cert: x509.Certificate) -> x509.Certificate:
    public_key = serialization.load_der_public_key(public_der)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bảo hiểm xã hội Việt Nam"),
                    x509.NameAttribute(NameOID.COMMON_NAME, SIGNER_NAME),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=730))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _ensure_nssdb(nssdb: Path, ca_pem: Path, ca_cert: x509.Certificate) -> Path:
    """An NSS database trusting exactly our CA; rebuilt when the CA changed."""
    marker = nssdb / "motcua-ca.sha256"
    fingerprint = ca_cert.fingerprint(hashes.SHA256()).hex()
    if marker.exists() and marker.read_text().strip() == fingerprint and (nssdb / "cert9.db").exists():
        return nssdb
    if shutil.which("certutil") is None:
        raise PkiError("certutil not found: install the Debian package libnss3-tools")
    shutil.rmtree(nssdb, ignore_errors=True)
    nssdb.mkdir(parents=True)
    for args in (
        ["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"],
        ["certutil", "-A", "-d", f"sql:{nssdb}", "-n", NSS_NICKNAME, "-t", "CT,C,C", "-a", "-i", str(ca_pem)],
    ):
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise PkiError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    marker.write_text(fingerprint + "\n")
    return nssdb


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    tmp.replace(path)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
