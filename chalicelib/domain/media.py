"""The files a dossier may carry: their media types, how each is recognised, and how large they may be.

Why here: the intake checks uploads against these, and the OpenAPI document publishes them; both must
say the same.
"""

from __future__ import annotations

__all__ = ["ATTACHMENT_TYPES", "MAX_INLINE_BYTES", "MAX_UPLOAD_BYTES", "MAX_VERIFY_BYTES"]

MAX_INLINE_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous payload limit; larger files go straight to S3 through a presigned URL."""
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Beyond this a file is no scan of a worker list."""
MAX_VERIFY_BYTES = 2 * 1024 * 1024
"""The largest body `POST /v1/verify` reads (the form's multipart envelope included). Our slips are tens of
kilobytes; the route is public and unauthenticated, so a bigger file is refused before anyone parses it."""

ATTACHMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
