"""The local AWS emulator: moto's server, with DynamoDB's atomicity restored.

DynamoDB applies each conditional write and each transaction atomically; the code relies on it
(one dossier per portal code, one claim per worker and month, gap-free slip numbers). moto's
in-memory backend checks a condition and writes in two steps, so two requests racing on its
threaded server could both pass the check (seen here: 8 concurrent creates of one portal code
made 2 dossiers). Serialising DynamoDB requests, and only those, gives back the guarantee without
slowing SQS long polls or S3 transfers.

Run as `python -m chalicelib.local.emulator --port N` (`motcua serve` and the tests do).
"""
from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from typing import Any, Callable, Iterable

__all__ = ["SerialisedDynamoDB", "main"]


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


def main(argv: list[str] | None = None) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(prog="motcua-emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sys.exit(0))
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
