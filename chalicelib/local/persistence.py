"""The local emulator's state on disk: a snapshot of moto's backends plus a journal of every write since.

Why: `make run` is what a newcomer, a demo or a pilot office runs; stopping it (Ctrl-C, SIGTERM,
`kill -9` of the whole process group) must not lose a write that was acknowledged with a 2xx, nor
the KMS signing key (the slips already handed out must still verify). moto keeps everything in
memory and its own recorder is not sound for this (it replays reads and lets ids be generated
again), so the emulator keeps its own state, in `<state dir>/state/`:

- `snapshot.pickle`: every backend the stack uses (DynamoDB, S3, SQS, KMS, CloudFormation, ...)
  pickled together, so the objects they share stay shared and the values AWS generated (key
  material, version ids, message ids, receipt counts) are kept as they are. Written to a temporary
  file, flushed to disk and renamed: a kill mid-write leaves the previous snapshot whole.
- `journal-<generation>.log`: the writes since that snapshot, one framed record each (length,
  CRC-32, pickle), appended *before* the 2xx leaves the emulator. A kill can only cut the record
  being written, whose request was therefore never acknowledged; reading stops at the first torn
  record and the file is cut back there.

What a record holds, by service:

- DynamoDB: the write request itself (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
  TransactWriteItems). Its outcome depends only on the table, and DynamoDB requests are already
  one at a time (`SerialisedDynamoDB`), so replaying them in journal order gives the same tables.
- S3: the write request with the version id S3 gave it, given back to moto on replay.
- SQS: what happened to the queue, not the request: a message added (sent, or moved to its DLQ),
  with its id, body and attributes; messages deleted, by id (a receipt handle does not survive a
  restart). A message received but not deleted before a kill is visible again after it, as when its
  visibility timeout runs out.
- Anything else that writes (CreateStack, CreateKey, CreateAlias, CreateQueue, CreateTable, ...),
  rare and made at start-up: a new snapshot before the answer, under an exclusive lock.

At start the snapshot is loaded and the journal replayed into the backends before the emulator
listens; then a new snapshot is written in the background once 2 000 items were written since the
last one (so a start after a kill replays about a second of writes at most), and at every Ctrl-C or
SIGTERM. See docs/decisions.md for the measurements.
"""

from __future__ import annotations

import copyreg
import gc
import io
import os
import pickle
import re
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SERVICES", "SNAPSHOT", "LoadReport", "Persistence", "StateStore", "state_counts"]

SNAPSHOT = "snapshot.pickle"
SERVICES = ("dynamodb", "s3", "sqs", "kms", "cloudformation", "iam", "sts", "events", "logs", "cloudwatch")
"""The moto backends kept in a snapshot: the stack's template makes tables, buckets and queues
through CloudFormation; the local stage makes the signing key through KMS."""
_HEADER = struct.Struct(">II")
_DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_SQS_DATA = frozenset(
    {
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
    }
)
"""SQS operations whose effect on the queues is journaled by the model hooks (or not needed)."""
_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
    "Sign",
    "Verify",
    "Encrypt",
    "Decrypt",
    "Generate",
    "Validate",
    "ReEncrypt",
    "Estimate",
)


def _register_reducers() -> None:
    """Locks become new locks and private keys their DER bytes, so moto's backends pickle."""
    lock_types = {type(threading.Lock()), type(threading.RLock())}
    for lock_type in lock_types:
        copyreg.pickle(
            lock_type, lambda lock: (threading.RLock, ()) if "RLock" in type(lock).__name__ else (threading.Lock, ())
        )
    copyreg.pickle(threading.Condition, lambda _: (threading.Condition, ()))
    try:  # a DynamoDB item's attributes: loaded without re-checking the size on every key
        from moto.dynamodb.models.dynamo_type import LimitedSizeDict

        copyreg.pickle(LimitedSizeDict, lambda attrs: (_limited_size_dict, (dict(attrs),)))
    except ImportError:  # pragma: no cover - another moto layout: the default pickling still works
        pass
    try:
        from cryptography.hazmat.bindings._rust import openssl
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - cryptography is a dependency of moto's KMS
        return

    def private_key(key: Any) -> tuple[Callable[..., Any], tuple[bytes]]:
        return _load_private_key, (
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )

    for module_name, class_name in (("rsa", "RSAPrivateKey"), ("ec", "ECPrivateKey"), ("ed25519", "Ed25519PrivateKey")):
        key_type = getattr(getattr(openssl, module_name, None), class_name, None)
        if key_type is not None:
            copyreg.pickle(key_type, private_key)


def _limited_size_dict(attrs: dict[str, Any]) -> Any:
    """moto's item attributes, rebuilt without `LimitedSizeDict.__setitem__`, which sums the size of
    every attribute each time one is set: unpickled key by key, that was 8 of the 9 seconds a
    snapshot of 8 500 dossiers took to load (measured); the items passed the check when written."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    rebuilt = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(rebuilt, attrs)
    return rebuilt


def _load_private_key(der: bytes) -> Any:
    """A KMS key's private key from a snapshot (cryptography's own loader is not importable by name)."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(der, None)


class WorldLock:
    """Many requests at a time, or one snapshot alone (writer preference: a snapshot waiting
    holds back new requests, so it is not starved by a steady stream of them)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@dataclass
class LoadReport:
    """What a start found on disk, for `make run` to say."""

    seconds: float = 0.0
    snapshot_bytes: int = 0
    journal_records: int = 0
    torn_bytes: int = 0
    """Bytes of a record cut by a kill, dropped (its request was never acknowledged)."""
    replay_failures: int = 0
    import_seconds: float = 0.0
    """Importing moto's services, paid by any start (in memory too, at the first request), apart."""
    clean_stop: bool = True
    """The last run ended with Ctrl-C or SIGTERM (its last snapshot written), not with a kill."""
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pickling makes or walks millions of small objects, each pass of the cyclic collector walking
    them all again: without it a snapshot of 8 500 dossiers loaded in 1.1 s instead of 4.7–7.1 s
    and was written in 1.7 s instead of 6.2 (measured, same file, same machine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _backends() -> dict[str, Any]:
    from moto.backends import get_backend

    return {name: get_backend(name) for name in SERVICES}  # type: ignore[call-overload]


def _frame(record: Any) -> bytes:
    payload = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_journal(path: Path) -> tuple[list[Any], int]:
    """The whole records of a journal, and how many bytes of a torn last record were cut off."""
    if not path.exists():
        return [], 0
    data = path.read_bytes()
    records, offset = [], 0
    while offset + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, offset)
        payload = data[offset + _HEADER.size : offset + _HEADER.size + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            break
        try:
            records.append(pickle.loads(payload))
        except Exception:  # noqa: BLE001 - a record that does not load ends the journal like a torn one
            break
        offset += _HEADER.size + length
    torn = len(data) - offset
    if torn:
        with open(path, "r+b") as handle:
            handle.truncate(offset)
    return records, torn


class StateStore:
    """The files of `<state dir>/state/`: the snapshot, the journal, and appending to it."""

    def __init__(self, directory: Path, fsync: bool = False) -> None:
        self.directory = Path(directory)
        self.fsync = fsync
        """Also flush every record to the disk (power loss); a kill needs only the write itself."""
        self.generation = 0
        self.records = 0
        self.weight = 0
        """Items written by the records since the snapshot (a batch of 25 puts weighs 25): what a
        replay costs, about 0.5 ms an item, so what decides when the next snapshot is due."""
        self.bytes = 0
        self._fd: int | None = None
        self._lock = threading.Lock()

    def _journal(self, generation: int) -> Path:
        return self.directory / f"journal-{generation}.log"

    def load(self, backends: dict[str, Any]) -> tuple[list[Any], LoadReport]:
        """Put the snapshot into `backends`; return the journal's records still to replay."""
        report = LoadReport()
        self.directory.mkdir(parents=True, exist_ok=True)
        snapshot = self.directory / SNAPSHOT
        if snapshot.exists():
            data = snapshot.read_bytes()
            report.snapshot_bytes = len(data)
            with _no_gc():
                saved = pickle.loads(data)
            self.generation = saved["generation"]
            for name, loaded in saved["backends"].items():
                if name in backends:
                    backends[name].clear()
                    backends[name].update(loaded)
        records, report.torn_bytes = read_journal(self._journal(self.generation))
        report.journal_records = len(records)
        for stale in self.directory.glob("journal-*.log"):
            if stale.name != self._journal(self.generation).name:
                stale.unlink()  # older than the snapshot: already in it
        self._open(self.generation)
        self.records, self.bytes = len(records), self._journal(self.generation).stat().st_size
        self.weight = sum(_weight(r[1]["body"]) if r[0] == "http" else 1 for r in records)
        return records, report

    def _open(self, generation: int) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = os.open(self._journal(generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, record: Any, weight: int = 1) -> None:
        """Write one record before its request is answered (`os.write`: in the kernel once it returns)."""
        frame = _frame(record)
        with self._lock:
            assert self._fd is not None, "load() first"
            view = memoryview(frame)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(self._fd)
            self.records += 1
            self.weight += weight
            self.bytes += len(frame)

    def snapshot(self, backends: dict[str, Any]) -> float:
        """Write every backend as of now (the caller keeps every request out), start a new journal."""
        started = time.perf_counter()
        generation = self.generation + 1
        with _no_gc():
            data = pickle.dumps(
                {"generation": generation, "backends": backends, "written_at": time.time()},
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        tmp = self.directory / (SNAPSHOT + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with self._lock:
            os.replace(tmp, self.directory / SNAPSHOT)
            old = self._journal(self.generation)
            self.generation = generation
            self._open(generation)
            self.records, self.weight, self.bytes = 0, 0, 0
            old.unlink(missing_ok=True)
        return time.perf_counter() - started


def _operation(environ: dict[str, Any], body: bytes) -> str:
    """The operation's name, from `X-Amz-Target` (JSON protocols) or `Action` (query protocols)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    import urllib.parse

    action = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and body and b"Action=" in body[:4096]:
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else ""


def classify(service: str | None, environ: dict[str, Any], body: bytes) -> str | None:
    """`journal` (a data write kept as its request), `snapshot` (any other write), or None (a read,
    or an SQS data operation, which the queue hooks journal)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if environ.get("PATH_INFO", "").startswith("/moto-api"):
        return None
    if service == "s3":
        return (
            "journal"
            if method in ("PUT", "POST", "DELETE") and environ.get("PATH_INFO", "/").strip("/").count("/") >= 1
            else ("snapshot" if method in ("PUT", "POST", "DELETE") else None)
        )
    if service is None and method in ("GET", "HEAD"):
        return None
    operation = _operation(environ, body)
    if service == "dynamodb" and operation in _DYNAMODB_WRITES:
        return "journal"
    if service == "sqs" and operation in _SQS_DATA:
        return None
    if not operation:
        return None if method in ("GET", "HEAD") else "snapshot"
    return None if operation.startswith(_READ_PREFIXES) else "snapshot"


_KEPT = (
    "REQUEST_METHOD",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
)


def _request_record(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {k: v for k, v in environ.items() if k in _KEPT or k.startswith("HTTP_")} | {"body": body}


def _environ(record: dict[str, Any]) -> dict[str, Any]:
    body = record["body"]
    environ = {k: v for k, v in record.items() if k != "body"}
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
    )
    return environ


class _GivenUuids:
    """Stands in for moto's random module in `moto.s3.models` during a replay: the first uuid4 is
    the version id S3 gave the first time."""

    def __init__(self, real: Any, given: list[str]) -> None:
        self._real, self._given = real, list(given)

    def uuid4(self) -> Any:
        return _Given(self._given.pop(0)) if self._given else self._real.uuid4()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Given:
    """A recorded id where moto calls `str(random.uuid4())`."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value


def state_counts(backends: dict[str, Any]) -> dict[str, int]:
    """What a start loaded, in the terms of the domain (for `make run`'s first lines)."""
    counts: dict[str, int] = {}
    tables = {"dossiers": 0, "audit": 0, "claims": 0, "units": 0, "participants": 0, "slips": 0}
    for account in backends["dynamodb"].values():
        for region in account.values():
            for name, table in region.tables.items():
                suffix = name.rsplit("-", 1)[-1]
                if suffix not in tables:
                    continue
                if table.range_key_attr is not None or suffix not in ("dossiers", "slips"):
                    tables[suffix] += sum(
                        len(v) if table.range_key_attr is not None else 1 for v in table.items.values()
                    )
                    continue
                keys = [str(getattr(key, "value", key)) for key in table.items]  # hash-only: one item per key
                if suffix == "dossiers":
                    tables[suffix] += sum(1 for key in keys if not key.startswith("portal#"))
                else:
                    tables[suffix] += sum(1 for key in keys if key.startswith("slip#"))
                    counts["slip_counters"] = counts.get("slip_counters", 0) + sum(
                        1 for key in keys if key.startswith("counter#")
                    )
    counts.update(tables)
    attachments = 0
    for account in backends["s3"].values():
        for region in account.values() if hasattr(account, "values") else [account]:
            for name, bucket in getattr(region, "buckets", {}).items():
                if "-originals-" in name:
                    attachments += sum(1 for key in bucket.keys if "/attachments/" in key)
    counts["attachments"] = attachments
    messages = 0
    for account in backends["sqs"].values():
        for region in account.values():
            messages += sum(len(queue._messages) for queue in region.queues.values())
    counts["messages"] = messages
    return counts


class Persistence:
    """WSGI middleware around moto's app: journals each acknowledged write, snapshots the rest.

    Parameters
    ----------
    app:
        moto's WSGI application (the dispatcher of every service).
    directory:
        `<state dir>/state`: the snapshot and the journal.
    compact_after:
        Items written (see `StateStore.weight`; or 16 times as many KiB of journal) after which a
        new snapshot is written in the background, so that a start after a kill replays at most
        about this many (about a second here).
    """

    def __init__(
        self, app: Callable[..., Iterable[bytes]], directory: Path, compact_after: int = 2_000, fsync: bool = False
    ) -> None:
        self.app = app
        self.store = StateStore(directory, fsync=fsync)
        self.world = WorldLock()
        self.compact_after = compact_after
        self.replaying = False
        self.report = LoadReport()
        self._s3_writes = threading.Lock()
        self._stop = threading.Event()
        self._backends: dict[str, Any] = {}
        self._apps: dict[str, Callable[..., Iterable[bytes]]] = {}

    # -- start -------------------------------------------------------------------------------------
    def start(self) -> LoadReport:
        """Load the snapshot, replay the journal, hook the queues; before the emulator listens."""
        started = time.perf_counter()
        _register_reducers()
        self._backends = _backends()
        imported = time.perf_counter() - started
        records, report = self.store.load(self._backends)
        running = self.store.directory / "running"
        report.clean_stop = not running.exists()
        running.touch()
        self._install_queue_hooks()
        self.replaying = True
        try:
            with _no_gc():
                for record in records:
                    if not self._replay(record):
                        report.replay_failures += 1
        finally:
            self.replaying = False
        gc.freeze()  # what was loaded lives as long as the emulator: later collections need not walk it
        report.seconds = time.perf_counter() - started - imported
        report.import_seconds = imported
        report.counts = state_counts(self._backends)
        self.report = report
        threading.Thread(target=self._compact_forever, name="compaction", daemon=True).start()
        return report

    def _replay(self, record: tuple[Any, ...]) -> bool:
        kind = record[0]
        if kind == "http":
            _, request, given = record
            if request.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB") and self._replay_dynamodb(request):
                return True
            statuses: list[str] = []
            if given:
                import moto.s3.models as s3_models

                real = s3_models.random
                s3_models.random = _GivenUuids(real, given)  # type: ignore[assignment]
            try:
                environ = _environ(request)
                list(
                    self._service_app(environ)(environ, lambda status, headers, exc_info=None: statuses.append(status))
                )
            finally:
                if given:
                    s3_models.random = real
            return bool(statuses) and statuses[0].startswith("2")
        queues = self._backends["sqs"][record[1]][record[2]].queues
        queue = queues.get(record[3])
        if queue is None:
            return False
        if kind == "sqs_add":
            message = record[4]
            for other in queues.values():  # a message moved to its DLQ leaves its queue
                other._messages = [m for m in other._messages if m.id != message.id]
                other._pending_messages = {m for m in other._pending_messages if m.id != message.id}
            queue._messages.append(message)
            return True
        if kind == "sqs_del":
            gone = set(record[4])
            queue._messages = [m for m in queue._messages if m.id not in gone]
            queue._pending_messages = {m for m in queue._pending_messages if m.id not in gone}
            return True
        return False

    def _service_app(self, environ: dict[str, Any]) -> Callable[..., Iterable[bytes]]:
        """The service's own Flask app, found once per service: moto's dispatcher looks for it on every
        request (about 2 ms of stat calls over its modules, measured), which a replay need not pay."""
        from chalicelib.local.emulator import _service

        name = _service(environ) or ""
        if name not in self._apps:
            get_application = getattr(self.app, "get_application", None)
            self._apps[name] = get_application(environ) if get_application else self.app
        return self._apps[name]

    def _replay_dynamodb(self, request: dict[str, Any]) -> bool:
        """Apply a DynamoDB write straight to the backend (no HTTP parsing: about 10 times faster,
        measured). It was acknowledged, so its conditions held then and hold again on the same
        tables: they are not evaluated again. Anything unexpected falls back to the HTTP replay."""
        import json

        from moto.core import DEFAULT_ACCOUNT_ID

        from chalicelib.local.emulator import _SCOPE

        scope = _SCOPE.search(request.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return False
        region = re.search(r"/\d{8}/([^/]+)/dynamodb/", request.get("HTTP_AUTHORIZATION", ""))
        if region is None:
            return False
        backend = self._backends["dynamodb"][DEFAULT_ACCOUNT_ID][region.group(1)]
        operation = request["HTTP_X_AMZ_TARGET"].rpartition(".")[2]
        body = json.loads(request["body"] or b"{}")
        try:
            if operation == "PutItem":
                backend.put_item(body["TableName"], body["Item"])
            elif operation == "DeleteItem":
                backend.delete_item(body["TableName"], body["Key"])
            elif operation == "UpdateItem":
                backend.update_item(
                    body["TableName"],
                    body["Key"],
                    (body.get("UpdateExpression") or "").strip(),
                    body.get("ExpressionAttributeNames"),
                    body.get("ExpressionAttributeValues"),
                    attribute_updates=body.get("AttributeUpdates"),
                )
            elif operation == "BatchWriteItem":
                for table, requests in body["RequestItems"].items():
                    for one in requests:
                        if "PutRequest" in one:
                            backend.put_item(table, one["PutRequest"]["Item"])
                        else:
                            backend.delete_item(table, one["DeleteRequest"]["Key"])
            elif operation == "TransactWriteItems":
                backend.transact_write_items(body["TransactItems"])
            else:
                return False
        except Exception:  # noqa: BLE001 - the HTTP replay is the reference; it reports a failure
            return False
        return True

    def _install_queue_hooks(self) -> None:
        """SQS's state changes journaled where moto makes them: a message added to a queue (sent,
        or moved to its DLQ by a receive), messages deleted (by id, as receipts do not survive)."""
        from moto.sqs.models import Queue

        if getattr(Queue, "_motcua_hooked", False):
            return
        add_message, delete_message = Queue.add_message, Queue.delete_message
        persistence = self

        def hooked_add(queue: Any, message: Any) -> None:
            add_message(queue, message)
            if not persistence.replaying and any(m is message for m in queue._messages[-8:]):
                persistence.store.append(("sqs_add", queue.account_id, queue.region, queue.name, message))

        def hooked_delete(queue: Any, receipt_handle: str) -> None:
            ids = [m.id for m in queue._messages if m.had_receipt_handle(receipt_handle)]
            delete_message(queue, receipt_handle)
            if ids and not persistence.replaying:
                persistence.store.append(("sqs_del", queue.account_id, queue.region, queue.name, ids))

        Queue.add_message = hooked_add  # type: ignore[method-assign, assignment]
        Queue.delete_message = hooked_delete  # type: ignore[method-assign, assignment]
        Queue._motcua_hooked = True  # type: ignore[attr-defined]

    # -- running -----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from chalicelib.local.emulator import _service

        service = _service(environ)
        body = b""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("CONTENT_LENGTH"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            stream = environ["wsgi.input"]
            body = (
                stream.read(length) if length > 0 else (stream.read() if environ.get("wsgi.input_terminated") else b"")
            )
            environ["wsgi.input"] = io.BytesIO(body)
        kind = classify(service, environ, body)
        if kind == "snapshot":
            with self.world.exclusive():
                return self._answer(environ, start_response, lambda: self.store.snapshot(self._backends))
        with self.world.shared():
            if kind is None:
                return list(self.app(environ, start_response))
            record = _request_record(environ, body)
            if service == "s3":
                with self._s3_writes:  # two writes to one key: the journal's order is the bucket's
                    return self._answer(
                        environ,
                        start_response,
                        lambda headers: self.store.append(("http", record, _version_ids(headers))),
                        with_headers=True,
                    )
            return self._answer(
                environ,
                start_response,
                lambda headers: self.store.append(("http", record, []), _weight(body)),
                with_headers=True,
            )

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        keep: Callable[..., Any],
        with_headers: bool = False,
    ) -> list[bytes]:
        """Run the request; when it succeeded, keep it (`keep`), and only then answer."""
        answered: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            answered.append((status, headers))
            return lambda data: None

        reply = list(self.app(environ, capture))
        status, headers = answered[0]
        if status.startswith("2"):
            if with_headers:
                keep(headers)
            else:
                keep()
        start_response(status, headers)
        return reply

    def _compact_forever(self) -> None:
        while not self._stop.wait(2.0):
            if self.store.weight >= self.compact_after or self.store.bytes >= self.compact_after * 16 * 1024:
                self.snapshot()

    def snapshot(self) -> float:
        """A new snapshot now, with every request held back while it is written."""
        with self.world.exclusive():
            records = self.store.records
            seconds = self.store.snapshot(self._backends)
        size = (self.store.directory / SNAPSHOT).stat().st_size
        print(
            f"state: snapshot of {size / 1e6:.1f} MB written in {seconds:.2f} s ({records} journal records folded in)",
            flush=True,
        )
        return seconds

    def close(self) -> None:
        """At Ctrl-C or SIGTERM: one last snapshot, so the next start replays nothing."""
        self._stop.set()
        if self.store.records:
            self.snapshot()
        (self.store.directory / "running").unlink(missing_ok=True)


def _weight(body: bytes) -> int:
    """How many items a DynamoDB write puts, updates or deletes (1 for anything else)."""
    return max(1, body.count(b'"TableName"'), body.count(b'"PutRequest"') + body.count(b'"DeleteRequest"'))


def _version_ids(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name.lower() == "x-amz-version-id" and value and value != "null"]
