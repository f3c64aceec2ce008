"""A thin adapter over AWS KMS for the slips' signing key (the private key never leaves KMS).

The boto3 client is the process-wide one of `chalicelib.adapters.aws`: the region and, locally,
the emulator's address come from the standard environment (``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client as aws_client

__all__ = ["KmsError", "KmsKey", "kms_client"]

SIGNING_ALGORITHMS = {
    # (key spec family, digest) -> KMS SigningAlgorithm
    ("RSA", "sha256"): "RSASSA_PKCS1_V1_5_SHA_256",
    ("RSA", "sha384"): "RSASSA_PKCS1_V1_5_SHA_384",
    ("RSA", "sha512"): "RSASSA_PKCS1_V1_5_SHA_512",
    ("ECC", "sha256"): "ECDSA_SHA_256",
    ("ECC", "sha384"): "ECDSA_SHA_384",
    ("ECC", "sha512"): "ECDSA_SHA_512",
}


class KmsError(Exception):
    """KMS refused or could not be reached; the message names the key and the operation."""


def kms_client() -> Any:
    """The process-wide boto3 KMS client, created on first use (one per warm Lambda)."""
    return aws_client("kms")


class KmsKey:
    """One asymmetric SIGN_VERIFY key, named by id, ARN or ``alias/...``.

    Examples
    --------
    >>> key = KmsKey("alias/motcua-local-signing")          # doctest: +SKIP
    >>> signature = key.sign_raw(signed_attrs, "sha256")     # doctest: +SKIP
    """

    def __init__(self, key_id: str, client: Any = None) -> None:
        self.key_id = key_id
        self._client = client
        self._public_key_der: bytes | None = None
        self._family: str | None = None

    @property
    def client(self) -> Any:
        return self._client if self._client is not None else kms_client()

    def get_public_key(self) -> bytes:
        """The key's public key as DER SubjectPublicKeyInfo (cached)."""
        if self._public_key_der is None:
            try:
                reply = self.client.get_public_key(KeyId=self.key_id)
            except Exception as exc:  # botocore ClientError, EndpointConnectionError, ...
                raise KmsError(f"GetPublicKey failed for {self.key_id}: {exc}") from exc
            self._public_key_der = reply["PublicKey"]
            self._family = "ECC" if reply.get("KeySpec", "").startswith("ECC") else "RSA"
        return self._public_key_der

    def signing_algorithm(self, digest_algorithm: str) -> str:
        self.get_public_key()
        try:
            return SIGNING_ALGORITHMS[(self._family or "RSA", digest_algorithm.lower())]
        except KeyError as exc:
            raise KmsError(f"no KMS signing algorithm for {self._family} with {digest_algorithm}") from exc

    def sign_raw(self, message: bytes, digest_algorithm: str = "sha256") -> bytes:
        """Sign ``message`` itself (``MessageType='RAW'``: KMS hashes it; at most 4096 bytes).

        RAW, not DIGEST: moto's DIGEST mode hashes the digest again. A CMS signer's signed
        attributes are a few hundred bytes, well under the limit.
        """
        if len(message) > 4096:
            raise KmsError(f"a RAW KMS message is at most 4096 bytes, got {len(message)}")
        try:
            reply = self.client.sign(
                KeyId=self.key_id,
                Message=message,
                MessageType="RAW",
                SigningAlgorithm=self.signing_algorithm(digest_algorithm),
            )
        except KmsError:
            raise
        except Exception as exc:
            raise KmsError(f"Sign failed for {self.key_id}: {exc}") from exc
        return reply["Signature"]
