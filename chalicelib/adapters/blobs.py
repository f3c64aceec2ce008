"""S3 buckets: originals (attachments as received) and slips (signed PDFs).

Both buckets are versioned (Object Lock in AWS), so a replaced attachment or a re-run step never
destroys what was stored before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import settings

__all__ = ["Blobs", "StoredObject", "attachment_key", "originals", "slips"]


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str
    version_id: str | None
    sha256: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    """The object's user metadata (`x-amz-meta-*`), e.g. the component a presigned upload declared."""


def attachment_key(dossier_id: str, name: str) -> str:
    return f"dossiers/{dossier_id}/attachments/{name}"


def revocation_key(dossier_id: str, sha256: str, suffix: str) -> str:
    """Where an OCSP response or CRL the check was answered with is kept (named by its digest: stored once)."""
    return f"dossiers/{dossier_id}/revocation/{sha256}{suffix}"


class Blobs:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self._s3 = client("s3")

    def put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> str | None:
        reply = self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, Metadata=metadata or {}
        )
        return reply.get("VersionId")

    def get(self, key: str, version_id: str | None = None) -> bytes:
        extra = {"VersionId": version_id} if version_id else {}
        return self._s3.get_object(Bucket=self.bucket, Key=key, **extra)["Body"].read()

    def get_if_exists(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is none: one request where HEAD then GET is two."""
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None

    def head(self, key: str) -> StoredObject | None:
        try:
            reply = self._s3.head_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(
            key=key,
            size=reply["ContentLength"],
            content_type=reply.get("ContentType", "application/octet-stream"),
            version_id=reply.get("VersionId"),
            sha256=reply.get("Metadata", {}).get("sha256"),
            metadata=dict(reply.get("Metadata") or {}),
        )

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend(obj["Key"] for obj in page.get("Contents", []))
        return found

    def presigned_put(
        self,
        key: str,
        content_type: str,
        expires: int = 900,
        metadata: dict[str, str] | None = None,
        size: int | None = None,
        sha256_b64: str | None = None,
    ) -> str:
        """A URL to PUT one object; the uploader must send `Content-Type` and each `x-amz-meta-<name>` given.

        `size` and `sha256_b64` are signed into the URL (`Content-Length`, `x-amz-checksum-sha256`): S3
        refuses a body of another length or checksum. (The local emulator checks neither: submit does.)"""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ContentType": content_type}
        if metadata:
            params["Metadata"] = metadata
        if size is not None:
            params["ContentLength"] = size
        if sha256_b64:
            params["ChecksumSHA256"] = sha256_b64
        return self._s3.generate_presigned_url("put_object", Params=params, ExpiresIn=expires)

    def sha256_of(self, key: str, version_id: str | None = None) -> tuple[str, int]:
        """SHA-256 (hex) and size of an object, read in chunks (a 50 MB scan is never held whole)."""
        import hashlib

        extra = {"VersionId": version_id} if version_id else {}
        body = self._s3.get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        digest, size = hashlib.sha256(), 0
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size

    def presigned_get(self, key: str, expires: int = 300, filename: str | None = None, inline: bool = False) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def ping(self) -> None:
        self._s3.head_bucket(Bucket=self.bucket)


_buckets: dict[str, Blobs] = {}


def _blobs(name: str) -> Blobs:
    if name not in _buckets:
        _buckets[name] = Blobs(name)
    return _buckets[name]


def originals() -> Blobs:
    return _blobs(settings().bucket("originals"))


def slips() -> Blobs:
    return _blobs(settings().bucket("slips"))
