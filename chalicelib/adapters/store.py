"""The dossiers table (DynamoDB): one item per dossier, one guard item per portal code.

The dossier travels as one JSON attribute (`body`) beside the few attributes the indexes need, so
the model, not DynamoDB's type system, decides what a dossier is. Every save is conditional on the
version read, and the portal code is claimed in the same transaction as the dossier is created,
so two racing creates with one code give one dossier.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.adapters.audit import audit_log
from chalicelib.adapters.aws import client, query_items
from chalicelib.config import settings
from chalicelib.domain.audit import pending_entries, with_audited
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.states import Status
from chalicelib.errors import ConcurrentUpdate, InvalidInput, NotFound

__all__ = ["DossierStore", "store"]

_GUARD = "portal#"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DossierStore:
    def __init__(self, table: str) -> None:
        self.table = table
        self._db = client("dynamodb")

    # -- writing -------------------------------------------------------------------------------
    def _item(self, dossier: Dossier) -> dict[str, Any]:
        status = dossier.status.value
        item = {
            "id": _s(dossier.id),
            "version": {"N": str(dossier.version)},
            "portal_code": _s(dossier.portal_code),
            "office": _s(dossier.office),
            "status": _s(status),
            "office_status": _s(f"{dossier.office}#{status}"),
            "created_at": _s(dossier.created_at.isoformat()),
            "updated_at": _s(datetime.now(dossier.created_at.tzinfo).isoformat()),
            "body": _s(dossier.model_dump_json()),
            # the head of its audit chain, readable without the body: what the anchor step signs
            "audit_seq": {"N": str(dossier.audit_seq)},
        }
        if dossier.audit_head:
            item["audit_head"] = _s(dossier.audit_head)
        if dossier.overdue:
            item["overdue"] = _s("1")
        # Plain attributes the worklist filters on (the body is one JSON string).
        item["procedure"] = _s(dossier.procedure)
        if dossier.applicant.unit_code:
            item["unit_code"] = _s(dossier.applicant.unit_code)
        if dossier.forwarded_to:
            item["forwarded_to"] = _s(dossier.forwarded_to)
        return item

    def create(self, dossier: Dossier) -> tuple[Dossier, bool]:
        """Store a new dossier, or answer the one that already holds its portal code."""
        entries = pending_entries(dossier)
        dossier = with_audited(dossier, entries).model_copy(update={"version": 1})
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {"id": _s(_GUARD + dossier.portal_code), "dossier_id": _s(dossier.id)},
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": self._item(dossier),
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    *audit_log().put_requests(entries),
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            return self.get_by_portal_code(dossier.portal_code), False
        # Not announced: the portal made the draft itself; its entry goes with the next change.
        return dossier, True

    def save(self, dossier: Dossier) -> Dossier:
        """Write `dossier` if nobody saved it since it was read, with the audit entries of what it
        gained, in one transaction; returns it with its new version."""
        entries = pending_entries(dossier)
        saved = with_audited(dossier, entries).model_copy(update={"version": dossier.version + 1})
        put = {
            "TableName": self.table,
            "Item": self._item(saved),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(dossier.version)}},
        }
        try:
            if entries:
                self._db.transact_write_items(TransactItems=[{"Put": put}, *audit_log().put_requests(entries)])
            else:
                self._db.put_item(**put)
        except (self._db.exceptions.ConditionalCheckFailedException, self._db.exceptions.TransactionCanceledException):
            raise ConcurrentUpdate(dossier.id) from None
        return saved

    # -- reading -------------------------------------------------------------------------------
    def audit_heads(self, changed_after: str = "") -> dict[str, tuple[int, str]]:
        """Dossier id -> (seq, hash) of its last audit entry, for the dossiers saved after `changed_after`
        (ISO time; empty: all). A scan of three small attributes: the anchor step's, never a request's."""
        scan: dict[str, Any] = {
            "TableName": self.table,
            "Select": "SPECIFIC_ATTRIBUTES",
            "ProjectionExpression": "id, audit_seq, audit_head",
            "FilterExpression": "attribute_exists(audit_head)" + (" AND updated_at > :since" if changed_after else ""),
        }
        if changed_after:
            scan["ExpressionAttributeValues"] = {":since": _s(changed_after)}
        heads = {}
        for page in self._db.get_paginator("scan").paginate(**scan):
            for item in page.get("Items", []):
                heads[item["id"]["S"]] = (int(item["audit_seq"]["N"]), item["audit_head"]["S"])
        return heads

    def get(self, dossier_id: str) -> Dossier:
        if not dossier_id or dossier_id.startswith(_GUARD) or len(dossier_id) > 64:
            raise NotFound()
        item = self._db.get_item(TableName=self.table, Key={"id": _s(dossier_id)}, ConsistentRead=True).get("Item")
        if not item or "body" not in item:
            raise NotFound()
        return self._dossier(item)

    def get_by_portal_code(self, portal_code: str) -> Dossier:
        guard = self._db.get_item(TableName=self.table, Key={"id": _s(_GUARD + portal_code)}, ConsistentRead=True).get(
            "Item"
        )
        if not guard:
            raise NotFound()
        return self.get(guard["dossier_id"]["S"])

    @staticmethod
    def _dossier(item: dict[str, Any]) -> Dossier:
        dossier = Dossier.model_validate_json(item["body"]["S"])
        return dossier.model_copy(update={"version": int(item["version"]["N"])})

    def list_office(
        self,
        office: str,
        status: Status | None = None,
        overdue: bool | None = None,
        limit: int = 50,
        cursor: str | None = None,
        procedure: str | None = None,
        search: str | None = None,
        forwarded_to: str | None = None,
    ) -> tuple[list[Dossier], str | None]:
        """One page of an office's worklist, newest first, and the cursor of the next page;
        `forwarded_to`: only the dossiers forwarded to that authority (its inbox).

        `search` is a portal code or a unit code, matched exactly (both are codes people copy)."""
        if status is not None:
            index, partition, values = "office-status-index", "office_status", {":k": _s(f"{office}#{status.value}")}
        else:
            index, partition, values = "office-index", "office", {":k": _s(office)}
        key_cond = f"{partition} = :k"
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": key_cond,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        filters: list[str] = []
        if overdue is not None:
            filters.append("attribute_exists(overdue)" if overdue else "attribute_not_exists(overdue)")
        if procedure:
            filters.append("#procedure = :procedure")
            values[":procedure"] = _s(procedure)
        if forwarded_to:
            filters.append("forwarded_to = :forwarded_to")
            values[":forwarded_to"] = _s(forwarded_to)
        if search:  # as typed, or in capitals (how codes are issued)
            filters.append("(portal_code IN (:search, :search_upper) OR unit_code IN (:search, :search_upper))")
            values[":search"], values[":search_upper"] = _s(search), _s(search.upper())
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
            if procedure:
                query["ExpressionAttributeNames"] = {"#procedure": "procedure"}
        if cursor:
            query["ExclusiveStartKey"] = _decode_cursor(cursor, partition, values[":k"])
        found: list[Dossier] = []
        # A filter can leave a page short: keep reading until the page is full or the index ends.
        while True:
            page = self._db.query(**query)
            found.extend(self._dossier(item) for item in page.get("Items", []))
            last = page.get("LastEvaluatedKey")
            if len(found) >= limit or not last:
                break
            query["ExclusiveStartKey"] = last
            query["Limit"] = limit - len(found)
        return found[:limit], _encode_cursor(last) if last else None

    def in_status(self, status: Status, updated_before: str | None = None) -> Iterator[Dossier]:
        """Every dossier in `status` (for the sweeps), oldest change first."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "status-index",
            "KeyConditionExpression": "#s = :s" + (" AND updated_at < :t" if updated_before else ""),
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": _s(status.value)}
            | ({":t": _s(updated_before)} if updated_before else {}),
        }
        for item in query_items(self._db, query):
            yield self._dossier(item)

    def ping(self) -> None:
        self._db.get_item(TableName=self.table, Key={"id": _s(_GUARD)})


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, partition: str, value: dict[str, str]) -> dict[str, Any]:
    """The start key a cursor of this listing stands for; anything else is the client's error.

    The cursor comes back from the client, so it is checked as input: exactly the keys of an item
    of the index being read (`id`, `partition`, `created_at`, all strings), in the partition being
    read. DynamoDB answers any other start key with a ValidationException, which would be a 500."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(key, dict) or set(key) != {"id", partition, "created_at"}:
            raise ValueError
        if not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and v["S"] for v in key.values()
        ):
            raise ValueError
        if key[partition] != value:
            raise ValueError
        return key
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes
        raise InvalidInput(
            "invalid_cursor", "Tham số phân trang không hợp lệ.", "The page cursor is not valid."
        ) from None


_stores: dict[str, DossierStore] = {}


def store() -> DossierStore:
    name = settings().name("dossiers")
    if name not in _stores:
        _stores[name] = DossierStore(name)
    return _stores[name]
