"""The register of slips (sổ theo dõi hồ sơ): numbers without gaps or repeats, and what was issued.

One DynamoDB table, three kinds of item:
- `counter#<office>#<year>#<kind>`: the last number given;
- `event#<dossier>#<event>#<kind>`: the number given for that event (a retried step gets it back);
- `slip#<number>`: the issued PDF's SHA-256 and where it is, for `POST /v1/verify` (written once).
A number is taken in one transaction with its event item, so a number is never given twice and a
retry never takes a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.config import settings

__all__ = ["SlipBook", "SlipRecord", "slipbook"]


@dataclass(frozen=True)
class SlipRecord:
    number: str
    kind: str
    dossier_id: str
    portal_code: str
    sha256: str
    s3_key: str
    """Where the signed PDF is, in the slips bucket."""
    issued_at: str
    check: str = ""
    """The short code printed in the slip's QR beside its number (none on slips from before)."""


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class SlipBook:
    def __init__(self, table: str) -> None:
        self.table = table
        self._db = client("dynamodb")

    def take_number(self, office: str, year: int, kind: str, dossier_id: str, event: str) -> tuple[int, bool]:
        """The sequence number for this slip of this event, and whether it was taken just now
        (False: it had been given before, so its slip may already be issued)."""
        event_key = {"key": _s(f"event#{dossier_id}#{event}#{kind}")}
        counter_key = {"key": _s(f"counter#{office}#{year}#{kind}")}
        for _ in range(50):
            given, last_item = self._read_both(event_key, counter_key)
            if given:
                return int(given["seq"]["N"]), False
            last = int(last_item["seq"]["N"]) if last_item else 0
            put_counter: dict[str, Any] = {
                "TableName": self.table,
                "Item": {**counter_key, "seq": {"N": str(last + 1)}},
            }
            if last_item:
                put_counter.update(
                    ConditionExpression="seq = :last", ExpressionAttributeValues={":last": {"N": str(last)}}
                )
            else:
                put_counter.update(
                    ConditionExpression="attribute_not_exists(#k)", ExpressionAttributeNames={"#k": "key"}
                )
            try:
                self._db.transact_write_items(
                    TransactItems=[
                        {"Put": put_counter},
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": {**event_key, "seq": {"N": str(last + 1)}},
                                "ConditionExpression": "attribute_not_exists(#k)",
                                "ExpressionAttributeNames": {"#k": "key"},
                            }
                        },
                    ]
                )
                return last + 1, True
            except self._db.exceptions.TransactionCanceledException:
                continue  # someone took that number, or this event got one: read again
        raise RuntimeError("could not take a slip number after 50 tries")

    def _read_both(
        self, first: dict[str, Any], second: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Two items of the table in one strongly consistent request (a slip costs one round trip
        fewer; every DynamoDB call is CPU the local emulator takes from OCR)."""
        found: dict[str, dict[str, Any]] = {}
        pending: dict[str, Any] = {self.table: {"Keys": [first, second], "ConsistentRead": True}}
        while pending:
            reply = self._db.batch_get_item(RequestItems=pending)
            for item in reply["Responses"].get(self.table, []):
                found[item["key"]["S"]] = item
            pending = reply.get("UnprocessedKeys") or {}
        return found.get(first["key"]["S"]), found.get(second["key"]["S"])

    def record(self, slip: SlipRecord) -> SlipRecord:
        """Record the slip issued under its number, unless one was recorded first: the record that stands.

        Why first-wins: two runs of one step (a message seen again while the first run is still signing,
        under load) each sign a PDF of the number; the one recorded first is the slip, and the other
        run gives it back instead of its own, so the register, the stored PDF and the dossier agree."""
        try:
            self._db.put_item(
                TableName=self.table,
                Item={"key": _s(f"slip#{slip.number}"), **{k: _s(str(v)) for k, v in vars(slip).items()}},
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": "key"},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            standing = self.find(slip.number)
            if standing is None:  # pragma: no cover - a record is never deleted
                raise
            return standing
        return slip

    def find(self, number: str) -> SlipRecord | None:
        item = self._db.get_item(TableName=self.table, Key={"key": _s(f"slip#{number}")}).get("Item")
        if not item:
            return None
        return SlipRecord(**{name: item[name]["S"] for name in SlipRecord.__dataclass_fields__ if name in item})


_books: dict[str, SlipBook] = {}


def slipbook() -> SlipBook:
    name = settings().name("slips")
    if name not in _books:
        _books[name] = SlipBook(name)
    return _books[name]
