"""What this deployment trusts in an applicant's signature, and how hard it checks: configuration only.

`MOTCUA_TRUST_ANCHORS` names the roots of the signature CAs whose certificates employers sign with
(in Vietnam the national root and the licensed public CAs, "tổ chức cung cấp dịch vụ chứng thực chữ
ký số công cộng"). It is a PEM bundle, a directory of ``.pem``/``.crt``/``.cer`` files, or several
of those separated by ``os.pathsep``. The same variable is read in AWS (`.chalice/config.json`), by
`make run` and by the test stack; the local stage adds its demo CA to what the operator named
(:func:`with_local_ca`), never in its place, so a request signed under a real CA is judged the same
on a laptop as in production.

A path the operator named that is missing, unreadable or holds no certificate is an error
(:class:`TrustAnchorsError`), never "trust nothing": trusting nothing would send every employer a
false `signature_invalid`. `make run` stops at start-up with the message; in AWS the check step
fails and is retried (the message waits in the DLQ) until the files are there.

`MOTCUA_REVOCATION` (``soft``, ``hard`` or ``off``; unset: ``hard`` in prod, ``soft`` elsewhere) says
what to do when a certificate names OCSP or CRL addresses that cannot be reached; see
:class:`RevocationPolicy`. Whatever the mode, the OCSP responses and CRLs that answered are kept
with the dossier (`chalicelib.services.checking`), and its record says `good`, `revoked`,
`unavailable` or `not_checked`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from chalicelib.config import settings

__all__ = [
    "CERT_SUFFIXES",
    "RevocationPolicy",
    "TrustAnchorsError",
    "anchor_paths",
    "load_anchors",
    "revocation_policy",
    "trust_anchors",
    "with_local_ca",
]

CERT_SUFFIXES = (".pem", ".crt", ".cer")
"""Files of a directory of anchors that are read; anything else there (a README) is ignored."""

_BEGIN = b"-----BEGIN CERTIFICATE-----"


class TrustAnchorsError(ValueError):
    """A trust-anchors path the operator named cannot be used (missing, unreadable, no certificate)."""


def anchor_paths(spec: str) -> list[Path]:
    """The files `spec` names: each bundle as is, each directory's certificate files sorted by name.

    Raises :class:`TrustAnchorsError` for a path that does not exist or a directory with no
    certificate file."""
    files: list[Path] = []
    for part in (p.strip() for p in spec.split(os.pathsep)):
        if not part:
            continue
        path = Path(part).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CERT_SUFFIXES)
            if not found:
                raise TrustAnchorsError(
                    f"MOTCUA_TRUST_ANCHORS: the directory {path} holds no certificate file ({', '.join(CERT_SUFFIXES)})"
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise TrustAnchorsError(f"MOTCUA_TRUST_ANCHORS: {path} does not exist (a PEM bundle or a directory)")
    return files


def _pem(path: Path) -> bytes:
    """One file's certificates as PEM: a PEM file as is, a DER certificate (``.cer`` often is) armoured."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TrustAnchorsError(f"MOTCUA_TRUST_ANCHORS: cannot read {path}: {error.strerror or error}") from error
    if _BEGIN in data:
        return data if data.endswith(b"\n") else data + b"\n"
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        return x509.load_der_x509_certificate(data).public_bytes(Encoding.PEM)
    except ValueError as error:
        raise TrustAnchorsError(f"MOTCUA_TRUST_ANCHORS: {path} holds no certificate (neither PEM nor DER)") from error


def load_anchors(spec: str | None) -> bytes:
    """Every certificate `spec` names, as one PEM bundle (b"" when `spec` is empty or unset).

    Parameters
    ----------
    spec:
        A value of `MOTCUA_TRUST_ANCHORS`: bundle(s) and/or directories, separated by ``os.pathsep``.

    Raises
    ------
    TrustAnchorsError
        when a path is missing or unreadable, or a file holds no certificate.

    Examples
    --------
    >>> load_anchors("")
    b''
    """
    if not spec or not spec.strip():
        return b""
    return b"".join(_pem(path) for path in anchor_paths(spec))


def trust_anchors() -> bytes:
    """The anchors of this stage, from `MOTCUA_TRUST_ANCHORS`, read again on each call.

    Read each time (a few kilobytes): an operator who adds a CA's root to the directory is heard
    by the next check, without a restart. Unset means no anchor at all (every signature is then
    untrusted); every stage sets it."""
    return load_anchors(settings().trust_anchors or None)


def with_local_ca(operator: str | None, demo_ca: Path) -> str:
    """The local stage's `MOTCUA_TRUST_ANCHORS`: what the operator named, then the demo CA.

    Kept as a list (``os.pathsep``), not copied into one file, so the operator's directory stays
    live; calling it again on its own result changes nothing.

    >>> import os
    >>> with_local_ca(None, Path("/s/employer-ca.pem")) == "/s/employer-ca.pem"
    True
    >>> with_local_ca(f"/etc/vn-ca{os.pathsep}/s/employer-ca.pem", Path("/s/employer-ca.pem")).split(os.pathsep)
    ['/etc/vn-ca', '/s/employer-ca.pem']
    """
    parts = [p for p in (operator or "").split(os.pathsep) if p.strip()]
    if str(demo_ca) not in parts:
        parts.append(str(demo_ca))
    return os.pathsep.join(parts)


@dataclass(frozen=True)
class RevocationPolicy:
    """How a certificate's revocation is checked (`MOTCUA_REVOCATION`).

    ``soft`` (the default outside prod): OCSP/CRL addresses the certificate names are asked, with a short
    timeout; an answer "revoked" refuses the signature, no answer is recorded as ``unavailable``
    and the signature is judged on the rest. ``hard`` (prod's default): no answer fails the check step so that it
    is retried later (the message ends in the DLQ if it never comes), rather than bouncing an
    employer for our network's fault. ``off``: nothing is fetched (``not_checked``), for an
    air-gapped machine."""

    mode: Literal["soft", "hard", "off"] = "soft"
    timeout_s: float = 5.0
    """Per request; a certificate names one or two addresses."""
    max_requests: int = 6
    """Bounds the network work one signature (someone else's input) can cause."""

    @property
    def fetching(self) -> bool:
        return self.mode != "off"


def revocation_policy() -> RevocationPolicy:
    """The stage's policy from `MOTCUA_REVOCATION` (``soft`` | ``hard`` | ``off``; by stage when unset)."""
    return RevocationPolicy(settings().revocation)
