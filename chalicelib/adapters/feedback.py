"""The feedback table (DynamoDB): one item per feedback code, found by office through an index.

As with dossiers, the item travels as one JSON attribute (`body`) beside what the index needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from chalicelib.adapters.aws import client, query_items
from chalicelib.config import settings
from chalicelib.domain.feedback import Feedback
from chalicelib.errors import ConcurrentUpdate, NotFound

__all__ = ["FeedbackStore", "NationalFeedbackSystem", "feedback_store"]


class NationalFeedbackSystem(Protocol):
    """The national feedback system (phản ánh, kiến nghị), where BHXH must also answer.

    It has no public API that we know of; `motcua feedback import FILE` (its export, or letters
    typed in) stands in for `received`, and answers are published on our own page. A connector
    that implements this is all it takes once it has one."""

    def received(self, since: datetime) -> Iterable[dict[str, Any]]:
        """Items received since then, as `NewFeedback` fields plus `received_at`."""
        ...

    def publish(self, code: str, answer: str) -> None:
        """Put an answer on the national system."""
        ...


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class FeedbackStore:
    def __init__(self, table: str) -> None:
        self.table = table
        self._db = client("dynamodb")

    def _item(self, item: Feedback) -> dict[str, Any]:
        return {
            "code": _s(item.code),
            "office": _s(item.office),
            "received_at": _s(item.received_at.isoformat()),
            "status": _s(item.status),
            "body": _s(item.model_dump_json()),
        }

    def add(self, item: Feedback) -> None:
        """A new item; its random code never repeats one (the condition says so if it ever did)."""
        try:
            self._db.put_item(
                TableName=self.table, Item=self._item(item), ConditionExpression="attribute_not_exists(code)"
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise ConcurrentUpdate("feedback code taken") from None

    def replace(self, item: Feedback, status_was: str) -> None:
        """Write `item` if its status is still `status_was` (two clerks answering at once: one wins)."""
        try:
            self._db.put_item(
                TableName=self.table,
                Item=self._item(item),
                ConditionExpression="#s = :was",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":was": _s(status_was)},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise ConcurrentUpdate("feedback changed") from None

    def get(self, code: str) -> Feedback:
        found = self._db.get_item(TableName=self.table, Key={"code": _s(code)}).get("Item")
        if not found:
            raise NotFound("feedback")
        return Feedback.model_validate_json(found["body"]["S"])

    def of_office(self, office: str) -> list[Feedback]:
        """Every item of the office, newest first."""
        query = {
            "TableName": self.table,
            "IndexName": "office-index",
            "KeyConditionExpression": "office = :o",
            "ExpressionAttributeValues": {":o": _s(office)},
            "ScanIndexForward": False,
        }
        return [Feedback.model_validate_json(i["body"]["S"]) for i in query_items(self._db, query)]


_stores: dict[str, FeedbackStore] = {}


def feedback_store() -> FeedbackStore:
    name = settings().name("feedback")
    if name not in _stores:
        _stores[name] = FeedbackStore(name)
    return _stores[name]
