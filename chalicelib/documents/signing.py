"""Sign slips with a PAdES baseline signature whose private key never leaves KMS.

:class:`KmsSigner` is a pyHanko :class:`~pyhanko.sign.signers.Signer` whose ``async_sign_raw`` asks
KMS to sign the CMS signed attributes with ``MessageType='RAW'`` (KMS hashes them itself; moto's
``DIGEST`` mode hashes the digest again and gives wrong signatures). :class:`SlipSigner` signs a
whole PDF: PAdES B-B (``ETSI.CAdES.detached``, signing-certificate-v2 attribute), or B-LT when a TSA
URL is configured: an RFC 3161 signature timestamp, and the certificates (and revocation data) that
validate signer and TSA embedded in the document security store; B-LTA when asked (``archive=True``,
the stage's `MOTCUA_SLIP_LTA`): a document timestamp over all of that, so that the slip's evidence
outlives the algorithms and certificates of the timestamp itself (renewed by stamping again). A fixed ``bytes_reserved`` for the signature skips
pyHanko's dry run that would otherwise sign once to measure the size.

Examples
--------
>>> signer = SlipSigner.from_kms("alias/motcua-local-signing", chain_pem)   # doctest: +SKIP
>>> signed = issue_slip(receipt, signer)                                     # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Protocol

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as _PyhankoSigningError
from pyhanko.sign.general import load_certs_from_pemder_data
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .render import render_slip
from .slips import Slip

__all__ = ["SIGNATURE_FIELD", "KmsSigner", "SigningError", "SlipSigner", "issue_slip"]

SIGNATURE_FIELD = "ChuKySoMotCua"
"""Name of the (invisible) signature field of every slip."""
BYTES_RESERVED = 16 * 1024
"""Room for the CMS object: certificates and an RSA-2048 signature take about 3 KB."""
BYTES_RESERVED_WITH_TIMESTAMP = 32 * 1024
"""With a timestamp token (its own certificates) inside."""


class SigningError(Exception):
    """A slip could not be signed (bad certificate chain, KMS refused, unreadable PDF)."""


class RawSigningKey(Protocol):
    """A private key held elsewhere that signs a message: KMS in every stage (`chalicelib.adapters.kms.KmsKey`).

    Why a protocol: the PDF layer signs with whatever key it is handed and knows no AWS client."""

    def sign_raw(self, message: bytes, digest_algorithm: str = "sha256") -> bytes: ...


class KmsSigner(Signer):
    """A pyHanko signer whose raw signatures are made by a key it never holds (KMS)."""

    def __init__(
        self, key: RawSigningKey, signing_cert: asn1_x509.Certificate, other_certs: Sequence[asn1_x509.Certificate] = ()
    ) -> None:
        registry = SimpleCertificateStore.from_certs([signing_cert, *other_certs])
        super().__init__(signing_cert=signing_cert, cert_registry=registry, prefer_pss=False, embed_roots=True)
        self.key = key
        algo = signing_cert.public_key.algorithm
        self._dry_run_size = signing_cert.public_key.bit_size // 8 if algo == "rsa" else 72

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._dry_run_size)
        try:
            return self.key.sign_raw(data, digest_algorithm)
        except Exception as exc:  # the key's own error (KMS refused, unreachable) fails this signature only
            raise _PyhankoSigningError(str(exc)) from exc


class SlipSigner:
    """Signs PDFs as the one-stop system: PAdES baseline, KMS key, chain from configuration."""

    def __init__(
        self,
        signer: Signer,
        *,
        tsa_url: str | None = None,
        trust_roots_pem: bytes | None = None,
        fetch_revocation: bool = False,
        archive: bool = False,
        reason: str = "Văn bản do hệ thống thông tin một cửa điện tử phát hành",
        location: str = "Việt Nam",
    ) -> None:
        self.signer = signer
        self.timestamper = None
        if tsa_url:
            from .timestamps import KeptAliveTimeStamper

            self.timestamper = KeptAliveTimeStamper(tsa_url, timeout=10)
        self.trust_roots = list(load_certs_from_pemder_data(trust_roots_pem)) if trust_roots_pem else []
        self.fetch_revocation = fetch_revocation
        self.archive = archive
        """B-LTA: a document timestamp after the validation data (only with a TSA and trust roots)."""
        self.reason = reason
        self.location = location

    def _validation_context(self) -> Any:
        """What B-LT embeds: the chains of the signer and of the TSA to `trust_roots`, and their
        revocation data (fetched from the CAs' addresses when `fetch_revocation`; none locally)."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=self.trust_roots,
            other_certs=list(self.signer.cert_registry),
            allow_fetching=self.fetch_revocation,
            revocation_mode="soft-fail",
        )

    @classmethod
    def from_key(
        cls, key: RawSigningKey, cert_chain_pem: bytes, *, tsa_url: str | None = None, **kwargs: Any
    ) -> SlipSigner:
        """A signer for ``key`` whose certificate comes first in ``cert_chain_pem``.

        Parameters
        ----------
        key:
            The signing key, e.g. ``KmsKey("alias/...")`` of an asymmetric SIGN_VERIFY KMS key.
        cert_chain_pem:
            The signing certificate (for the key's public key) followed by its issuers.
        tsa_url:
            An RFC 3161 time-stamping service; when given the signatures are PAdES B-T, and B-LT
            when ``trust_roots_pem`` (keyword argument) names the roots to embed the chains to.

        Raises
        ------
        SigningError
            when the chain is empty or unreadable.
        """
        if isinstance(cert_chain_pem, str):
            cert_chain_pem = cert_chain_pem.encode()
        try:
            certs = list(load_certs_from_pemder_data(cert_chain_pem))
        except Exception as exc:
            raise SigningError(f"unreadable certificate chain: {exc}") from exc
        if not certs:
            raise SigningError("the certificate chain holds no certificate")
        signer = KmsSigner(key, certs[0], certs[1:])
        return cls(signer, tsa_url=tsa_url, **kwargs)

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self.signer.signing_cert

    def sign(self, pdf: bytes) -> bytes:
        """The PDF with one more (PAdES) signature covering the whole file.

        Raises
        ------
        SigningError
            when the PDF cannot be read or KMS refuses.
        """
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=self.reason,
            location=self.location,
            # B-LTA: a document timestamp over the signature and its validation data
            use_pades_lta=bool(self.archive and self.timestamper and self.trust_roots),
            # B-LT: with a timestamp (B-T), the validation data goes into the document's DSS, so the
            # slip can be validated after its certificate expired, as of the timestamp's time.
            embed_validation_info=bool(self.timestamper and self.trust_roots),
            validation_context=self._validation_context() if self.timestamper and self.trust_roots else None,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = signers.sign_pdf(
                writer,
                meta,
                signer=self.signer,
                timestamper=self.timestamper,
                bytes_reserved=BYTES_RESERVED_WITH_TIMESTAMP if self.timestamper else BYTES_RESERVED,
            )
        except Exception as exc:
            raise SigningError(f"could not sign the PDF: {exc}") from exc
        return out.getvalue()


def issue_slip(slip: Slip, signer: SlipSigner, *, public_base_url: str | None = None) -> bytes:
    """Render ``slip`` and sign it: the PDF the office hands out."""
    return signer.sign(render_slip(slip, public_base_url=public_base_url))
