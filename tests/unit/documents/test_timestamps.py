"""The slips' RFC 3161 client (chalicelib/documents/timestamps.py): a worker's slips share one
connection to the TSA, and a TSA that redirects, answers something else or cannot be reached makes
the slip fail with the signing error (the step retries), never a slip without its timestamp."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.documents import SigningError, SlipSigner, render_slip
from chalicelib.documents.examples import example_slip
from chalicelib.documents.verify import verify_pdf


def _signer(identity: Any, url: str) -> SlipSigner:
    from chalicelib.adapters.kms import KmsKey

    return SlipSigner.from_key(
        KmsKey(identity.key_alias), identity.cert_chain_pem, tsa_url=url, trust_roots_pem=identity.trust_roots_pem
    )


def _slip() -> bytes:
    return render_slip(example_slip("receipt"), public_base_url="https://motcua.example.vn")


@pytest.fixture
def answering(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering every POST with the status, headers and body the test names;
    yields its URL and the paths it was asked for."""
    status, headers, body = request.param
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            asked.append(self.path)
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", asked
    finally:
        server.shutdown()
        server.server_close()


def test_the_slips_of_a_worker_share_one_connection_to_the_tsa(identity, tsa, our_fingerprints) -> None:
    accepted: list[object] = []
    original = tsa.server.get_request

    def counting() -> Any:
        connection = original()
        accepted.append(connection)
        return connection

    tsa.server.get_request = counting
    try:
        signer = _signer(identity, tsa.url)
        signed = [signer.sign(_slip()) for _ in range(3)]
    finally:
        del tsa.server.get_request
    assert len(accepted) == 1, f"{len(accepted)} connections for 3 slips"
    for pdf in signed:
        verdict = verify_pdf(pdf, identity.trust_roots_pem, our_fingerprints)
        assert verdict.signed_by_us and verdict.timestamped_at is not None, verdict


@pytest.mark.parametrize(
    "answering",
    [
        (302, {"Location": "http://127.0.0.1:9/elsewhere"}, b""),
        (200, {"Content-Type": "text/html"}, b"<html>not a TSA</html>"),
        (503, {"Content-Type": "application/timestamp-reply"}, b""),
    ],
    indirect=True,
    ids=["redirect", "not_a_timestamp", "unavailable"],
)
def test_a_tsa_that_redirects_or_answers_something_else_fails_the_slip(identity, answering) -> None:
    url, asked = answering
    with pytest.raises(SigningError):
        _signer(identity, url).sign(_slip())
    assert asked == ["/tsa"], "a redirect was followed, or the TSA was not asked"


def test_an_unreachable_tsa_fails_the_slip_and_the_next_slip_asks_again(identity, tsa, our_fingerprints) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signer = _signer(identity, f"http://127.0.0.1:{port}/tsa")
    with pytest.raises(SigningError):
        signer.sign(_slip())
    assert signer.timestamper is not None
    signer.timestamper.url = tsa.url  # type: ignore[attr-defined]  # the TSA is back
    verdict = verify_pdf(signer.sign(_slip()), identity.trust_roots_pem, our_fingerprints)
    assert verdict.signed_by_us and verdict.timestamped_at is not None, verdict
