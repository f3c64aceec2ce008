"""The insurance registry (DynamoDB): units and participants, read in batches, never scanned.

Two tables of the stage (`settings().name("units")`, `settings().name("participants")`):

- units: one item per unit code, with `unit_name`, `tax_code` (GSI `tax-index`), `province_code`;
- participants: one item per SI number, with `full_name`, `date_of_birth` (ISO), `id_number`,
  `unit_code` (the unit of the latest period; GSI `unit-index`), `identity_key` (normalised name +
  '#' + date of birth; GSI `identity-index`) and `periods`, a list of
  `{unit_code, from: "YYYY-MM", to: "YYYY-MM", ui: bool}` (no `to`: still participating; `ui`:
  unemployment insurance paid alongside, absent when unknown), `ui_benefit_from` (the month an
  unemployment benefit decision took effect, if any), and `digest`, a
  hash of all that, so a loader can tell an unchanged item by reading 2 attributes instead of all.

Reads by key go through BatchGetItem (100 keys a call, unprocessed keys retried with back-off),
writes through BatchWriteItem (25 items a call); look-ups by unit and by identity are paginated
Queries on the GSIs. `Registry.calls` counts every request sent to DynamoDB, retries included, so a
check or a bench can report calls per worker.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, TypeVar

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.domain.names import identity_key as make_identity_key
from chalicelib.domain.registry import Participant, Period, Unit, content_digest

__all__ = [
    "Registry",
    "RegistryUnavailable",
    "participant_from_item",
    "participant_item",
    "registry",
    "unit_from_item",
    "unit_item",
]

GET_BATCH = 100
WRITE_BATCH = 25
MAX_ROUNDS = 12
"""Rounds of unprocessed keys/items before giving up (back-off doubles from 50 ms up to 2 s)."""

T = TypeVar("T")


class RegistryUnavailable(RuntimeError):
    """DynamoDB kept answering a batch with unprocessed keys or items: throttled for too long."""


# -- items <-> values ------------------------------------------------------------------------------
def _s(value: str) -> dict[str, str]:
    return {"S": value}


def unit_item(unit: Unit) -> dict[str, Any]:
    return {
        "unit_code": _s(unit.unit_code),
        "unit_name": _s(unit.unit_name),
        "tax_code": _s(unit.tax_code),
        "province_code": _s(unit.province_code),
    }


def unit_from_item(item: dict[str, Any]) -> Unit:
    return Unit(
        unit_code=item["unit_code"]["S"],
        unit_name=item.get("unit_name", {}).get("S", ""),
        tax_code=item.get("tax_code", {}).get("S", ""),
        province_code=item.get("province_code", {}).get("S", ""),
    )


def participant_item(p: Participant) -> dict[str, Any]:
    periods = []
    for period in p.periods:
        m: dict[str, dict[str, Any]] = {"unit_code": _s(period.unit_code), "from": _s(period.from_month)}
        if period.to_month:
            m["to"] = _s(period.to_month)
        if period.ui is not None:
            m["ui"] = {"BOOL": period.ui}
        periods.append({"M": m})
    item = {
        "si_number": _s(p.si_number),
        "full_name": _s(p.full_name),
        "date_of_birth": _s(p.date_of_birth),
        "unit_code": _s(p.unit_code),
        "identity_key": _s(p.identity_key),
        "periods": {"L": periods},
        "digest": _s(content_digest(p)),
    }
    if p.id_number:
        item["id_number"] = _s(p.id_number)
    if p.ui_benefit_from:
        item["ui_benefit_from"] = _s(p.ui_benefit_from)
    return item


def participant_from_item(item: dict[str, Any]) -> Participant:
    periods = tuple(
        Period(
            unit_code=m["M"]["unit_code"]["S"],
            from_month=m["M"]["from"]["S"],
            to_month=m["M"]["to"]["S"] if "to" in m["M"] else None,
            ui=m["M"]["ui"]["BOOL"] if "ui" in m["M"] else None,
        )
        for m in item.get("periods", {}).get("L", [])
    )
    return Participant(
        si_number=item["si_number"]["S"],
        full_name=item["full_name"]["S"],
        date_of_birth=item["date_of_birth"]["S"],
        id_number=item["id_number"]["S"] if "id_number" in item else None,
        unit_code=item["unit_code"]["S"],
        periods=periods,
        ui_benefit_from=item["ui_benefit_from"]["S"] if "ui_benefit_from" in item else None,
    )


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Registry:
    def __init__(self, units_table: str, participants_table: str, db: Any = None, threads: int = 4) -> None:
        self.units_table = units_table
        self.participants_table = participants_table
        self._db = db if db is not None else client("dynamodb")
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.calls = 0
        """DynamoDB requests sent by this object (every page, batch and retry)."""

    # -- plumbing --------------------------------------------------------------------------------
    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        return getattr(self._db, operation)(**kwargs)

    def _map(self, fn: Callable[[Any], T], batches: list[Any]) -> list[T]:
        """Run `fn` over the batches, concurrently when there are several (I/O bound)."""
        if len(batches) <= 1 or self._threads <= 1:
            return [fn(b) for b in batches]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="registry")
        return list(self._pool.map(fn, batches))

    @staticmethod
    def _backoff(round_: int) -> None:
        time.sleep(min(2.0, 0.05 * 2**round_) * (0.5 + random.random() / 2))

    def _batch_get(
        self, table: str, key_name: str, keys: list[str], consistent: bool, attributes: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {table: {"Keys": [{key_name: _s(k)} for k in keys], "ConsistentRead": consistent}}
        if attributes:
            request[table]["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
            request[table]["ExpressionAttributeNames"] = {f"#a{i}": a for i, a in enumerate(attributes)}
        found: list[dict[str, Any]] = []
        for round_ in range(MAX_ROUNDS):
            reply = self._call("batch_get_item", RequestItems=request)
            found.extend(reply.get("Responses", {}).get(table, []))
            request = reply.get("UnprocessedKeys") or {}
            if not request:
                return found
            self._backoff(round_)
        raise RegistryUnavailable(f"{table}: keys still unprocessed after {MAX_ROUNDS} rounds")

    def _get_many(
        self, table: str, key_name: str, keys: Iterable[str], consistent: bool, attributes: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        unique = list(dict.fromkeys(k for k in keys if k))
        batches = list(_chunks(unique, GET_BATCH))
        fetch = lambda b: self._batch_get(table, key_name, b, consistent, attributes)  # noqa: E731
        return [item for found in self._map(fetch, batches) for item in found]

    def _batch_write(self, table: str, items: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
        for round_ in range(MAX_ROUNDS):
            reply = self._call("batch_write_item", RequestItems=request)
            request = reply.get("UnprocessedItems") or {}
            if not request:
                return
            self._backoff(round_)
        raise RegistryUnavailable(f"{table}: items still unprocessed after {MAX_ROUNDS} rounds")

    def _put_many(self, table: str, key_name: str, items: Iterable[dict[str, Any]]) -> int:
        # One batch may not hold two puts of one key: the last one given wins.
        unique = list({item[key_name]["S"]: item for item in items}.values())
        self._map(lambda b: self._batch_write(table, b), list(_chunks(unique, WRITE_BATCH)))
        return len(unique)

    def _query(self, **query: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self._call("query", **query)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- reading ---------------------------------------------------------------------------------
    def units(self, codes: Iterable[str], consistent: bool = False) -> dict[str, Unit]:
        """The units among `codes` that exist, by code (unknown codes are absent)."""
        items = self._get_many(self.units_table, "unit_code", codes, consistent)
        return {u.unit_code: u for u in map(unit_from_item, items)}

    def participants(self, si_numbers: Iterable[str], consistent: bool = False) -> dict[str, Participant]:
        """The participants among `si_numbers` that exist, by SI number (unknown ones are absent)."""
        items = self._get_many(self.participants_table, "si_number", si_numbers, consistent)
        return {p.si_number: p for p in map(participant_from_item, items)}

    def digests(self, si_numbers: Iterable[str], consistent: bool = False) -> dict[str, str]:
        """`content_digest` of the stored participants among `si_numbers` ("" for an item without one)."""
        items = self._get_many(self.participants_table, "si_number", si_numbers, consistent, ("si_number", "digest"))
        return {item["si_number"]["S"]: item.get("digest", {}).get("S", "") for item in items}

    def by_unit(self, unit_code: str) -> list[Participant]:
        """Every participant whose latest period is in `unit_code`, by SI number."""
        if not unit_code:
            return []
        return [
            participant_from_item(item)
            for item in self._query(
                TableName=self.participants_table,
                IndexName="unit-index",
                KeyConditionExpression="unit_code = :u",
                ExpressionAttributeValues={":u": _s(unit_code)},
            )
        ]

    def by_identity(self, full_name: str, date_of_birth: str | date) -> list[Participant]:
        """Participants with this name (accents, case and spaces ignored) and date of birth."""
        try:
            key = make_identity_key(full_name, date_of_birth)
        except ValueError:
            return []
        return [
            participant_from_item(item)
            for item in self._query(
                TableName=self.participants_table,
                IndexName="identity-index",
                KeyConditionExpression="identity_key = :k",
                ExpressionAttributeValues={":k": _s(key)},
            )
        ]

    def by_tax_code(self, tax_code: str) -> list[Unit]:
        """Units registered under `tax_code` (several for branches sharing one)."""
        if not tax_code:
            return []
        return [
            unit_from_item(item)
            for item in self._query(
                TableName=self.units_table,
                IndexName="tax-index",
                KeyConditionExpression="tax_code = :t",
                ExpressionAttributeValues={":t": _s(tax_code)},
            )
        ]

    # -- writing ---------------------------------------------------------------------------------
    def put_units(self, units: Iterable[Unit]) -> int:
        """Write (create or replace) units; returns how many items were written."""
        return self._put_many(self.units_table, "unit_code", map(unit_item, units))

    def put_participants(self, participants: Iterable[Participant]) -> int:
        """Write (create or replace) participants; returns how many items were written."""
        return self._put_many(self.participants_table, "si_number", map(participant_item, participants))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


_registries: dict[tuple[str, str], Registry] = {}


def registry() -> Registry:
    """The registry of the current stage, made on first use."""
    names = (settings().name("units"), settings().name("participants"))
    if names not in _registries:
        _registries[names] = Registry(*names)
    return _registries[names]
