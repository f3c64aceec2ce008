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

Run as `python -m chalicelib.local.emulator --port N` (`motcua serve` and the tests do).
"""
from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from typing import Any, Callable, Iterable

__all__ = ["SerialisedDynamoDB", "check_then_write_transactions", "main"]


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
    from moto.dynamodb.exceptions import MultipleTransactionsException, TooManyTransactionsException, TransactionCanceledException, TransactWriteSingleOpException
    from moto.dynamodb.models import DynamoDBBackend

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        seen: set[tuple[str, str]] = set()
        plan, errors, failed = [], [], False
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
            if condition is not None and not get_filter_expression(condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")).expr(current):
                old = current.to_json()["Attributes"] if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
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
                    self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"], expression_attribute_names=names, expression_attribute_values=values)
                applied.append((op["TableName"], key, before))
        except Exception:
            for table_name, key, before in reversed(applied):  # undo, item by item
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(prog="motcua-emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sys.exit(0))
    check_then_write_transactions()
    class NoDelayHandler(MotoRequestHandler):
        """Headers and body leave in two writes; without TCP_NODELAY, Nagle's algorithm holds the
        body until the client's delayed ACK (about 40 ms on Linux): seen here as ~30 ms per call."""

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    run_simple(
        args.host,
        args.port,
        SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=NoDelayHandler,
    )


if __name__ == "__main__":
    main()
