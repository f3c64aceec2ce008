"""The local AWS emulator: moto's server, with DynamoDB's atomicity restored and its transactions fast.

DynamoDB applies each conditional write and each transaction atomically; the code relies on it
(one dossier per portal code, one claim per worker and month, gap-free slip numbers). moto's
in-memory backend checks a condition and writes in two steps, so two requests racing on its
threaded server could both pass the check (seen here: 8 concurrent creates of one portal code
made 2 dossiers). Serialising DynamoDB requests, and only those, gives back the guarantee without
slowing SQS long polls or S3 transfers.

moto also makes a transaction cost as much as the tables it touches: it deep-copies each whole
table to roll back on failure (seen here: 18 ms per transaction at 100 items, 131 ms at 1 000, so
the local stack slowed down as dossiers piled up). With DynamoDB requests serialised, checking
every condition first and writing only when all hold is just as atomic, at a constant cost.

Fault switch (local only, for the fault tests and `bench/faults.py`): the emulator can refuse
every write to DynamoDB, S3 and SQS for a while, as AWS does during a throttling episode or a
partial outage, while reads keep working; and it can deliver every message sent to chosen queues
twice, as SQS's at-least-once delivery may. It is an HTTP endpoint on the emulator itself, which only
listens on loopback and does not exist in AWS:

    POST /_motcua/faults {"refuse_writes_seconds": 4, "services": ["dynamodb", "s3", "sqs"]}
    POST /_motcua/faults {"duplicate_queues": ["motcua-local-extract", "motcua-local-check"]}
    GET  /_motcua/faults  -> {"refusing_for": 2.7, "services": [...], "refused": {"dynamodb": 12, ...},
                              "duplicate_queues": [...], "duplicated": {"motcua-local-extract": 6, ...}}

A refused write answers 503 in the service's own error shape (DynamoDB and SQS JSON, S3 XML), which
botocore treats as transient: the code under test sees its retries run out, exactly as in AWS.
A message sent to a duplicated queue is handed to moto twice (the sender gets the first answer), so
its consumer sees two deliveries with two message ids. The duplicates are made by the emulator, for
every message, so how many there are depends on what the code sent, not on when a test looked.
`refuse_writes(endpoint, seconds)`, `duplicate_messages(endpoint, queues)` and `fault_status(endpoint)`
are the client side.

Its state is kept on disk when it is given a directory (`--state`; see `persistence.py`): every
acknowledged write survives Ctrl-C, SIGTERM and `kill -9`.

Run as `python -m chalicelib.local.emulator --port N [--state DIR]` (`motcua serve` and the tests do).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

__all__ = [
    "FAULTS_PATH",
    "FaultSwitch",
    "SerialisedDynamoDB",
    "check_then_write_transactions",
    "duplicate_messages",
    "fault_status",
    "main",
    "refuse_writes",
]

FAULTS_PATH = "/_motcua/faults"
"""The emulator's control endpoint for injected faults (see the module doc)."""

_WRITES: dict[str, frozenset[str]] = {
    "dynamodb": frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}),
    "sqs": frozenset({"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch"}),
}
"""Per JSON-protocol service, the operations that write. S3 writes are its PUT, POST and DELETE."""
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")
_QUERY_SCOPE = re.compile(
    r"X-Amz-Credential=[^/&]+(?:/|%2F)\d{8}(?:/|%2F)[^/&%]+(?:/|%2F)([a-z0-9-]+)(?:/|%2F)aws4_request", re.I
)


def _service(environ: dict[str, Any]) -> str | None:
    """The AWS service a request is for, from its SigV4 credential scope (header or presigned URL)."""
    query = environ.get("QUERY_STRING", "")
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", "")) or _QUERY_SCOPE.search(query)
    if found:
        return found.group(1)
    if "AWSAccessKeyId=" in query and "Signature=" in query:
        return "s3"  # a SigV2 presigned URL, which only S3 still takes (boto3's default for S3)
    return None


def _write_of(environ: dict[str, Any]) -> str | None:
    """The service whose write this request is, or None for a read (or anything else)."""
    service = _service(environ)
    if service == "s3":
        return "s3" if environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE") else None
    if service in _WRITES:
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        return service if operation in _WRITES[service] else None
    return None


def _refusal(service: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """A 503 as the service itself words it, so botocore parses and retries it as it would in AWS."""
    message = "Writes are refused for a while by the local emulator's fault switch."
    if service == "s3":
        body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ServiceUnavailable</Code><Message>{message}</Message></Error>".encode()
        return "503 Service Unavailable", [("Content-Type", "application/xml")], body
    kind = {
        "dynamodb": "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
        "sqs": "com.amazonaws.sqs#ServiceUnavailable",
    }[service]
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "ServiceUnavailable;Receiver")]
    return "503 Service Unavailable", headers, json.dumps({"__type": kind, "message": message}).encode()


def _sent_to(environ: dict[str, Any], body: bytes) -> tuple[str, int] | None:
    """(queue name, number of messages) of an SQS send, or None for anything else.

    boto3 speaks SQS's JSON protocol (`X-Amz-Target: AmazonSQS.SendMessage`); older clients the
    query protocol (`Action=SendMessage` in a form body): both are recognised."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("AmazonSQS."):
        operation = target.rpartition(".")[2]
        try:
            order = json.loads(body or b"{}")
        except ValueError:
            return None
        url, entries = order.get("QueueUrl", ""), order.get("Entries") or []
    elif _service(environ) == "sqs":
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation, url = (form.get("Action") or [""])[0], (form.get("QueueUrl") or [""])[0]
        entries = [k for k in form if k.startswith("SendMessageBatchRequestEntry.") and k.endswith(".Id")]
    else:
        return None
    if operation == "SendMessage":
        return url.rstrip("/").rpartition("/")[2], 1
    if operation == "SendMessageBatch":
        return url.rstrip("/").rpartition("/")[2], len(entries)
    return None


class FaultSwitch:
    """WSGI middleware: the fault switch. Answers `FAULTS_PATH`; while a refusal window is open,
    turns writes to the chosen services into 503s before they reach moto; hands every message sent
    to a chosen queue to moto twice."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.until = 0.0
        self.services: frozenset[str] = frozenset()
        self.refused: dict[str, int] = {"dynamodb": 0, "s3": 0, "sqs": 0}
        self.duplicate_queues: frozenset[str] = frozenset()
        self.duplicated: dict[str, int] = {}

    def status(self) -> dict[str, Any]:
        with self.lock:
            return {
                "refusing_for": round(max(0.0, self.until - time.monotonic()), 3),
                "services": sorted(self.services),
                "refused": dict(self.refused),
                "duplicate_queues": sorted(self.duplicate_queues),
                "duplicated": dict(self.duplicated),
            }

    def _order(self, body: bytes) -> None:
        """Apply a `POST` to the control endpoint; raises ValueError for a bad one (nothing changes)."""
        order = json.loads(body or b"{}")
        if not isinstance(order, dict):
            raise ValueError("expected a JSON object")
        refusal = None
        if "refuse_writes_seconds" in order or "services" in order:
            seconds = float(order.get("refuse_writes_seconds", 0))
            services = frozenset(order.get("services") or ("dynamodb", "s3", "sqs"))
            if not 0 <= seconds <= 600 or not services <= {"dynamodb", "s3", "sqs"}:
                raise ValueError("refuse_writes_seconds is 0 to 600; services are dynamodb, s3, sqs")
            refusal = (time.monotonic() + seconds, services)
        queues = order.get("duplicate_queues")
        if queues is not None and (not isinstance(queues, list) or not all(isinstance(q, str) and q for q in queues)):
            raise ValueError("duplicate_queues is a list of queue names")
        with self.lock:
            if refusal is not None:
                self.until, self.services = refusal
            if queues is not None:
                self.duplicate_queues = frozenset(queues)

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        from werkzeug.wrappers import Request

        request = Request(environ)
        status = "200 OK"
        if request.method == "POST":
            try:
                self._order(request.get_data())
            except (ValueError, TypeError, AttributeError) as error:
                body = json.dumps({"error": str(error)}).encode()
                start_response(
                    "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
                )
                return [body]
        elif request.method != "GET":
            status = "405 Method Not Allowed"
        body = json.dumps(self.status()).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _twice(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Send a message to moto, and, when its queue is chosen and the send succeeded, once more."""
        from werkzeug.wrappers import Request

        body = Request(environ).get_data()
        sent = _sent_to(environ, body)
        environ["wsgi.input"] = io.BytesIO(body)
        if sent is None or sent[0] not in self.duplicate_queues:
            return self.app(environ, start_response)
        answered: list[str] = []

        def first_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered.append(status)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        reply = list(self.app(environ, first_response))
        if answered and answered[0].startswith("200"):
            again = {**environ, "wsgi.input": io.BytesIO(body)}
            statuses: list[str] = []
            list(self.app(again, lambda status, headers, exc_info=None: statuses.append(status)))
            if statuses and statuses[0].startswith("200"):
                with self.lock:
                    self.duplicated[sent[0]] = self.duplicated.get(sent[0], 0) + sent[1]
        return reply

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == FAULTS_PATH:
            return self._control(environ, start_response)
        if self.until > time.monotonic():
            service = _write_of(environ)
            if service is not None and service in self.services:
                from werkzeug.wrappers import Request

                Request(environ).get_data()  # read the body: the connection may be kept alive
                with self.lock:
                    self.refused[service] += 1
                status, headers, body = _refusal(service)
                start_response(status, [*headers, ("Content-Length", str(len(body)))])
                return [body]
        if self.duplicate_queues and _service(environ) == "sqs":
            return self._twice(environ, start_response)
        return self.app(environ, start_response)


def refuse_writes(endpoint: str, seconds: float, services: Iterable[str] = ("dynamodb", "s3", "sqs")) -> dict[str, Any]:
    """Make the emulator at `endpoint` refuse writes for `seconds` (0 ends a window early)."""
    body = json.dumps({"refuse_writes_seconds": seconds, "services": list(services)}).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + FAULTS_PATH, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def duplicate_messages(endpoint: str, queues: Iterable[str]) -> dict[str, Any]:
    """Make the emulator at `endpoint` deliver every message sent to `queues` twice (none: stop)."""
    body = json.dumps({"duplicate_queues": list(queues)}).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + FAULTS_PATH, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def fault_status(endpoint: str) -> dict[str, Any]:
    """How long the current refusal window still runs, and how many writes were refused so far."""
    with urllib.request.urlopen(endpoint.rstrip("/") + FAULTS_PATH, timeout=10) as reply:
        return json.loads(reply.read())


class SerialisedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time, everything else as it comes."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def check_then_write_transactions() -> None:
    """Replace moto's copy-the-tables transactions by check-all-then-write (see the module doc)."""
    import copy

    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        seen: set[tuple[str, str]] = set()
        plan: list[Any] = []
        errors: list[tuple[str | None, str | None, Any]] = []
        failed = False
        for item in transact_items:  # 1. check every condition; nothing is written yet
            if len(item) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            marker = (op["TableName"], str(dict(sorted(key.items()))))
            if marker in seen:
                raise MultipleTransactionsException()
            seen.add(marker)
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                old = (
                    current.to_json()["Attributes"]
                    if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
                failed = True
            else:
                errors.append((None, None, None))
            plan.append((op_type, op, key, copy.deepcopy(current)))
        if failed:
            raise TransactionCanceledException(errors)
        applied = []
        try:  # 2. every condition holds: write (requests are serialised, so nothing changed since)
            for op_type, op, key, before in plan:
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    self.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    self.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                applied.append((op["TableName"], key, before))
        except Exception:
            for table_name, key, before in reversed(applied):  # undo, item by item
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def cached_dispatcher(create_app: Callable[[Any], Any]) -> Any:
    """moto's dispatcher with the backend of each host remembered.

    moto finds the backend of every request anew, under one lock that all requests share: it lists
    its own package's folders (`backends.list_of_moto_modules`: a `listdir` and ~200 `isdir`) and
    then tries the URL patterns of every service in turn. A profile of the pipeline put 7-12 % of
    the emulator's CPU there. The answer depends on the host alone, and the hosts are a handful
    (`dynamodb`, `s3.<region>.amazonaws.com`, ...), so it is computed once per host."""
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    class CachedDispatcher(DomainDispatcherApplication):
        def __init__(self, create: Callable[[Any], Any]) -> None:
            super().__init__(create)
            self._modules = frozenset(backends.list_of_moto_modules())
            self._by_host: dict[str, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            if host is None:
                return None
            if host in self._by_host:
                return self._by_host[host]
            if host == "moto_api" or host in self._modules:
                backend: Any = host
            else:
                backend = next((b for b, pattern in self.backend_url_patterns if pattern.match(f"http://{host}")), None)
            if len(self._by_host) < 4096:  # virtual-host S3 names are many in theory: stay bounded
                self._by_host[host] = backend
            return backend

    return CachedDispatcher(create_app)


def cache_method_names() -> None:
    """moto looks up the handler of each request among its response class's methods with
    `inspect.getmembers` on that class, every time (5 % of the emulator's Python CPU in a profile of
    the pipeline, docs/bench/profile-one-row.md). A class's methods do not change while it serves:
    the list is made once per class (a frozenset: moto only asks `action in method_names`)."""
    import functools

    from moto.core import responses

    original = responses.method_names_from_class
    if getattr(original, "cache_info", None) is not None:
        return

    @functools.cache
    def method_names(clazz: object) -> frozenset[str]:
        return frozenset(original(clazz))

    responses.method_names_from_class = method_names  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> None:
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(prog="motcua-emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--state", type=Path, help="keep the state in this directory (snapshot and journal); none: in memory"
    )
    parser.add_argument(
        "--compact-after", type=int, default=2_000, help="items written after which a new snapshot is written"
    )
    args = parser.parse_args(argv)
    check_then_write_transactions()
    cache_method_names()
    app: Callable[..., Iterable[bytes]] = cached_dispatcher(create_backend_app)
    persistence = None
    if args.state is not None:
        from chalicelib.local.persistence import Persistence

        persistence = Persistence(
            app, args.state, compact_after=args.compact_after, fsync=os.environ.get("MOTCUA_STATE_FSYNC") == "1"
        )
        report = persistence.start()
        (args.state / "loaded.json").write_text(json.dumps(asdict(report)))
        print(
            f"state: {report.counts} from {args.state} in {report.seconds:.2f} s "
            f"({report.journal_records} journal records replayed, {report.torn_bytes} torn bytes dropped)",
            flush=True,
        )
        app = persistence

    stopping = threading.Event()

    def stop(*_: Any) -> None:
        if stopping.is_set():  # Ctrl-C reaches the whole group, then `motcua serve` sends SIGTERM
            return
        stopping.set()
        if persistence is not None:
            persistence.close()
        sys.exit(0)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)

    class NoDelayHandler(MotoRequestHandler):
        """Headers and body leave in two writes; without TCP_NODELAY, Nagle's algorithm holds the
        body until the client's delayed ACK (about 40 ms on Linux): seen here as ~30 ms per call."""

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Only the 5xx (what a trace of a failure needs; `MOTCUA_ACCESS_LOG=1`: every request):
            a line per request cost 3 % of the emulator's CPU, in ANSI colours nobody reads."""
            status = getattr(code, "value", code)
            if os.environ.get("MOTCUA_ACCESS_LOG") or (str(status).isdigit() and int(status) >= 500):
                super().log_request(code, size)

    run_simple(
        args.host, args.port, FaultSwitch(SerialisedDynamoDB(app)), threaded=True, request_handler=NoDelayHandler
    )


if __name__ == "__main__":
    main()
