"""The audit table: one item per entry, keyed by dossier and sequence number.

Entries are written by `DossierStore` in the same transaction as the dossier; this adapter makes
those writes and reads a dossier's log back for `motcua audit verify`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client, query_items
from chalicelib.config import settings
from chalicelib.domain.audit import AuditEntry

__all__ = ["AuditLog", "audit_log"]


class AuditLog:
    def __init__(self, table: str) -> None:
        self.table = table
        self._db = client("dynamodb")

    def put_requests(self, entries: list[AuditEntry]) -> list[dict[str, Any]]:
        """Transaction items that append `entries`, each only if its number is free."""
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "dossier_id": {"S": e.dossier_id},
                        "seq": {"N": str(e.seq)},
                        "unsent": {"S": "1"},  # until the portal has it (sparse index `unsent-index`)
                        **{
                            name: {"S": getattr(e, name)}
                            for name in ("at", "by", "what", "detail", "prev_hash", "hash")
                        },
                    },
                    "ConditionExpression": "attribute_not_exists(seq)",
                }
            }
            for e in entries
        ]

    def entries(self, dossier_id: str, unsent_only: bool = False) -> list[AuditEntry]:
        """The dossier's entries in order (only those the portal has not had yet, if asked)."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "dossier_id = :d",
            "ExpressionAttributeValues": {":d": {"S": dossier_id}},
            "ConsistentRead": True,
        }
        if unsent_only:
            query["FilterExpression"] = "attribute_exists(unsent)"
        return [
            AuditEntry(
                dossier_id=item["dossier_id"]["S"],
                seq=int(item["seq"]["N"]),
                **{name: item[name]["S"] for name in ("at", "by", "what", "detail", "prev_hash", "hash")},
            )
            for item in query_items(self._db, query)
        ]

    def mark_sent(self, entries: list[AuditEntry]) -> None:
        """The portal has these entries: off the unsent index, in one write per hundred."""
        updates = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {"dossier_id": {"S": e.dossier_id}, "seq": {"N": str(e.seq)}},
                    "UpdateExpression": "REMOVE unsent",
                }
            }
            for e in entries
        ]
        for start in range(0, len(updates), 100):  # TransactWriteItems' limit
            chunk = updates[start : start + 100]
            if len(chunk) == 1:
                self._db.update_item(**chunk[0]["Update"])
            else:
                self._db.transact_write_items(TransactItems=chunk)

    def dossiers_with_unsent(self) -> set[str]:
        query = {
            "TableName": self.table,
            "IndexName": "unsent-index",
            "KeyConditionExpression": "unsent = :u",
            "ExpressionAttributeValues": {":u": {"S": "1"}},
        }
        return {item["dossier_id"]["S"] for item in query_items(self._db, query)}


_logs: dict[str, AuditLog] = {}


def audit_log() -> AuditLog:
    name = settings().name("audit")
    if name not in _logs:
        _logs[name] = AuditLog(name)
    return _logs[name]
