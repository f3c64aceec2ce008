"""Anchoring the audit log outside the tables: signed chain heads in an Object Lock bucket.

The hash chain (`chalicelib.domain.audit`) shows an entry changed or removed, but whoever may write
both the dossiers and the audit table could rewrite a dossier's tail and set its head to match. So
every `ANCHOR_EVERY` the sweep writes an anchor: the heads (sequence number and hash of the last
entry) of every dossier saved since the previous anchor, the digest of that previous anchor, signed
with the stage's KMS signing key (which no table role holds), to the anchors bucket, where Object
Lock in compliance mode keeps every version for the retention years (AWS; locally a versioned
bucket). `motcua audit verify` then checks each dossier's log against the newest anchor that saw it.

What an anchor cannot show: a change to entries written after the newest anchor (at most
`ANCHOR_EVERY` of them).

Key rotation: an anchor is checked against every key the stage has signed with, the current KMS key
and the public keys of the certificates in `MOTCUA_SIGNING_CHAIN` and `MOTCUA_SIGNING_HISTORY` (the
slips' signing history, which a rotation appends to and never shortens). So an anchor written before
a rotation still holds after it, and one signed by any other key does not. Each anchor also names the
SHA-256 of the public key that signed it (`key`), for whoever reads the bucket.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters.blobs import Blobs, _blobs
from chalicelib.adapters.kms import KmsKey
from chalicelib.adapters.store import store
from chalicelib.config import settings

__all__ = ["ANCHOR_EVERY", "AnchorProblem", "anchor", "anchored_heads", "anchors_bucket"]

ANCHOR_EVERY = timedelta(hours=1)
PREFIX = "anchors/"


class AnchorProblem(Exception):
    """An anchor that does not hold (bad signature, a gap in the anchors' own chain)."""


def anchors_bucket() -> Blobs:
    return _blobs(settings().bucket("anchors"))


def _statement(digest: str) -> bytes:
    """What KMS signs: a short message (RAW signing takes at most 4 KB) naming what it is."""
    return f"motcua-audit-anchor:{digest}".encode()


def _keys() -> list[str]:
    return sorted(anchors_bucket().keys(PREFIX))


def anchor(now: datetime | None = None, force: bool = False) -> int:
    """Write an anchor when the last one is older than `ANCHOR_EVERY` (or `force`); answers how
    many heads it holds (0: none due, or nothing changed)."""
    now = now or datetime.now(UTC)
    keys = _keys()
    last = json.loads(anchors_bucket().get(keys[-1])) if keys else None
    if last and not force and now - datetime.fromisoformat(last["anchor"]["at"]) < ANCHOR_EVERY:
        return 0
    since = last["anchor"]["at"] if last else ""
    heads = store().audit_heads(changed_after=since)
    if not heads:
        return 0
    document = {
        "at": now.isoformat(),
        "after": since,
        "previous": last["digest"] if last else "",
        "heads": {dossier_id: [seq, head] for dossier_id, (seq, head) in sorted(heads.items())},
    }
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(body.encode()).hexdigest()
    kms = KmsKey(settings().signing_key_alias)
    signature = kms.sign_raw(_statement(digest))
    record = {
        "anchor": document,
        "digest": digest,
        "signature": base64.b64encode(signature).decode(),
        "key": hashlib.sha256(kms.get_public_key()).hexdigest(),
    }
    key = f"{PREFIX}{now.strftime('%Y/%m/%d/%H%M%S.%f')}.json"
    anchors_bucket().put(key, json.dumps(record, sort_keys=True).encode(), "application/json")
    return len(heads)


def stage_keys() -> list[bytes]:
    """Every public key (DER SubjectPublicKeyInfo) the stage has signed with: the current KMS key,
    then those of its signing certificates, current and past (`MOTCUA_SIGNING_HISTORY`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from chalicelib.services.documents import our_certificates

    keys = [KmsKey(settings().signing_key_alias).get_public_key()]
    try:
        certificates = our_certificates() if settings().signing_chain else []
    except OSError:
        certificates = []  # a chain file the operator's machine does not have: the KMS key alone
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    keys += [x509.load_der_x509_certificate(der).public_key().public_bytes(*spki) for der in certificates]
    return list(dict.fromkeys(keys))


def _signed_by(record: dict[str, Any], public_der: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = serialization.load_der_public_key(public_der)
    signature, statement = base64.b64decode(record["signature"]), _statement(record["digest"])
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, statement, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, statement, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _checked(record: dict[str, Any], keys: list[bytes]) -> None:
    body = json.dumps(record["anchor"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if hashlib.sha256(body.encode()).hexdigest() != record["digest"]:
        raise AnchorProblem(f"the anchor of {record['anchor']['at']} does not match its digest")
    named = record.get("key")
    ordered = sorted(keys, key=lambda k: hashlib.sha256(k).hexdigest() != named)  # the key it names first
    if not any(_signed_by(record, key) for key in ordered):
        raise AnchorProblem(f"the anchor of {record['anchor']['at']} is not signed by any key the stage has used")


def anchored_heads() -> tuple[dict[str, tuple[int, str]], list[str]]:
    """The newest anchored head of every dossier, and what is wrong with the anchors themselves."""
    keys = stage_keys()
    heads: dict[str, tuple[int, str]] = {}
    problems: list[str] = []
    previous = ""
    for key in _keys():
        record = json.loads(anchors_bucket().get(key))
        try:
            _checked(record, keys)
        except AnchorProblem as problem:
            problems.append(str(problem))
            continue
        if record["anchor"]["previous"] != previous:
            problems.append(f"the anchor of {record['anchor']['at']} does not follow the one before it")
        previous = record["digest"]
        heads.update({d: (int(seq), head) for d, (seq, head) in record["anchor"]["heads"].items()})
    return heads, problems
