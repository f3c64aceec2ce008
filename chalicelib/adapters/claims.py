"""The claims ledger: one item per (procedure, worker, month) claimed, owned by one dossier.

Keys are claimed in sorted order, a hundred per DynamoDB transaction, each on the condition that
nobody else holds it. The first contested key decides between two racing dossiers: the loser
claims nothing from there on, so exactly one of them wins. A dossier keeps its claims while the
applicant corrects it and releases them when it is refused or withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.aws import client, query_items
from chalicelib.config import settings

__all__ = ["ClaimsLedger", "Holder", "claim_key", "claims"]

_CHUNK = 100  # TransactWriteItems' limit


def claim_key(procedure: str, si_number: str, month: str) -> str:
    return f"{procedure}#{si_number}#{month}"


@dataclass(frozen=True)
class Holder:
    dossier_id: str
    portal_code: str


class ClaimsLedger:
    def __init__(self, table: str) -> None:
        self.table = table
        self._db = client("dynamodb")
        self.calls = 0

    def claim(self, dossier_id: str, portal_code: str, keys: list[str]) -> dict[str, Holder]:
        """Claim `keys` for the dossier; answers the keys another dossier holds, and who holds them."""
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            try:
                self.calls += 1
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": {
                                    "claim_key": {"S": k},
                                    "dossier_id": {"S": dossier_id},
                                    "portal_code": {"S": portal_code},
                                },
                                "ConditionExpression": "attribute_not_exists(claim_key) OR dossier_id = :me",
                                "ExpressionAttributeValues": {":me": {"S": dossier_id}},
                            }
                        }
                        for k in chunk
                    ]
                )
            except self._db.exceptions.TransactionCanceledException:
                # Stop claiming: report every key someone else holds, from here to the end.
                return {k: h for k, h in self.holders(ordered[start:]).items() if h.dossier_id != dossier_id}
        return {}

    def holders(self, keys: list[str]) -> dict[str, Holder]:
        found: dict[str, Holder] = {}
        for start in range(0, len(keys), _CHUNK):
            pending: dict[str, Any] = {
                self.table: {
                    "Keys": [{"claim_key": {"S": k}} for k in keys[start : start + _CHUNK]],
                    "ConsistentRead": True,
                }
            }
            while pending:
                self.calls += 1
                reply = self._db.batch_get_item(RequestItems=pending)
                for item in reply["Responses"].get(self.table, []):
                    found[item["claim_key"]["S"]] = Holder(item["dossier_id"]["S"], item["portal_code"]["S"])
                pending = reply.get("UnprocessedKeys") or {}
        return found

    def release(self, dossier_id: str) -> int:
        """Give back every claim of the dossier (refused or withdrawn); answers how many."""
        released = 0
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "dossier-index",
            "KeyConditionExpression": "dossier_id = :d",
            "ExpressionAttributeValues": {":d": {"S": dossier_id}},
        }
        for item in list(query_items(self._db, query)):
            try:
                self._db.delete_item(
                    TableName=self.table,
                    Key={"claim_key": item["claim_key"]},
                    ConditionExpression="dossier_id = :d",
                    ExpressionAttributeValues={":d": {"S": dossier_id}},
                )
                released += 1
            except self._db.exceptions.ConditionalCheckFailedException:
                pass  # already taken by another dossier after an earlier release
        return released


_ledgers: dict[str, ClaimsLedger] = {}


def claims() -> ClaimsLedger:
    name = settings().name("claims")
    if name not in _ledgers:
        _ledgers[name] = ClaimsLedger(name)
    return _ledgers[name]
