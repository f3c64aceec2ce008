"""The audit log (nhật ký): every state change and slip of a dossier, chained by hash.

Each entry carries the hash of the one before it, so an entry altered or removed afterwards breaks
the chain, and the dossier itself keeps the hash and count of its last entry, so cutting the tail
off shows too; a scheduled step signs the heads with the KMS key into a locked bucket
(`chalicelib.services.anchoring`), so a tail rewritten together with the dossier shows as well. Entries are derived from the dossier's history and documents, which only ever grow,
and written in the same transaction as the dossier: no state change without its entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from chalicelib.domain.dossier import Dossier

__all__ = ["AuditEntry", "anchored_problems", "pending_entries", "verify_chain", "with_audited"]


@dataclass(frozen=True)
class AuditEntry:
    dossier_id: str
    seq: int
    at: str
    by: str
    what: str
    """`status:accepted`, `slip:receipt:000001/2020/TNHS-031`, `notice:correction_request:<number>`."""
    detail: str
    prev_hash: str
    hash: str

    @staticmethod
    def digest(dossier_id: str, seq: int, at: str, by: str, what: str, detail: str, prev_hash: str) -> str:
        canonical = json.dumps(
            [dossier_id, seq, at, by, what, detail, prev_hash], ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def is_sound(self) -> bool:
        return self.hash == self.digest(
            self.dossier_id, self.seq, self.at, self.by, self.what, self.detail, self.prev_hash
        )


def pending_entries(dossier: Dossier) -> list[AuditEntry]:
    """Entries for what the dossier gained since it was last audited, chained from its head."""
    events: list[tuple[str, str, str, str]] = (
        [
            (h.at.isoformat(), h.by, f"status:{h.status.value}", h.note.model_dump_json() if h.note else "")
            for h in dossier.history[dossier.audited_history :]
        ]
        + [
            (d.issued_at.isoformat(), "system", f"slip:{d.kind}:{d.number}", d.sha256)
            for d in dossier.documents[dossier.audited_documents :]
        ]
        + [
            (n.at.isoformat(), n.by, f"notice:{n.kind}:{n.number}", "")
            for n in dossier.notices[dossier.audited_notices :]
        ]
    )
    entries, head, seq = [], dossier.audit_head, dossier.audit_seq
    for at, by, what, detail in sorted(events):
        seq += 1
        digest = AuditEntry.digest(dossier.id, seq, at, by, what, detail, head)
        entries.append(AuditEntry(dossier.id, seq, at, by, what, detail, head, digest))
        head = digest
    return entries


def with_audited(dossier: Dossier, entries: list[AuditEntry]) -> Dossier:
    if not entries:
        return dossier
    return dossier.model_copy(
        update={
            "audit_seq": entries[-1].seq,
            "audit_head": entries[-1].hash,
            "audited_history": len(dossier.history),
            "audited_documents": len(dossier.documents),
            "audited_notices": len(dossier.notices),
        }
    )


def verify_chain(dossier: Dossier, entries: Iterable[AuditEntry]) -> list[str]:
    """What is wrong with a dossier's audit log (empty: intact), in words for an operator."""
    problems, head, expected = [], "", 1
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.seq != expected:
            problems.append(f"entry {expected} is missing")
        if not entry.is_sound():
            problems.append(f"entry {entry.seq} was altered")
        elif entry.prev_hash != head:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        head, expected = entry.hash, entry.seq + 1
    if expected - 1 != dossier.audit_seq or head != dossier.audit_head:
        problems.append(f"the log ends at entry {expected - 1}, the dossier at entry {dossier.audit_seq}")
    return problems


def anchored_problems(entries: Iterable[AuditEntry], seq: int, head: str) -> list[str]:
    """What is wrong with a dossier's log against an anchor, which saw its entry `seq` with hash `head`.

    Why it is needed beside `verify_chain`: whoever can write both the dossier and the audit table
    can rewrite the tail (or drop the newest entry) and set the dossier's head to match; the chain
    then holds. The anchor was signed with the KMS key and locked in S3 before: it does not move."""
    anchored = next((e for e in entries if e.seq == seq), None)
    if anchored is None:
        return [f"entry {seq}, seen by an anchor, is missing: the log was cut back"]
    if anchored.hash != head:
        return [f"entry {seq} differs from what an anchor saw: the log was rewritten"]
    return []


def as_item(entry: AuditEntry) -> dict[str, str | int]:
    return asdict(entry)
