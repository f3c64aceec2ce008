"""The local stack as a newcomer gets it from `make run`, driven over real HTTP."""

from __future__ import annotations

import json
import signal
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.helpers import dossier_body, png_bytes

pytestmark = pytest.mark.e2e


def test_two_racing_creates_with_one_portal_code_make_one_dossier(stack: Any) -> None:
    body = dossier_body()
    headers = {**stack.token("portal"), "Content-Type": "application/json"}

    def create(_: int) -> tuple[int, str]:
        reply = requests.post(f"{stack.base}/v1/dossiers", data=json.dumps(body), headers=headers, timeout=30)
        return reply.status_code, reply.json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, range(8)))
    assert len({dossier_id for _, dossier_id in results}) == 1
    assert sorted(status for status, _ in results) == [200] * 7 + [201]


def test_submit_reaches_the_workers_which_move_the_dossier_on(stack: Any, http: requests.Session) -> None:
    portal = stack.token("portal")
    dossier = http.post(f"{stack.base}/v1/dossiers", json=dossier_body(), headers=portal, timeout=30).json()
    put = http.put(
        f"{stack.base}/v1/dossiers/{dossier['id']}/attachments/worker_list.png",
        data=png_bytes(),
        headers={**portal, "Content-Type": "image/png"},
        timeout=30,
    )
    assert put.status_code == 200
    assert http.post(f"{stack.base}/v1/dossiers/{dossier['id']}/submit", headers=portal, timeout=30).status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = http.get(f"{stack.base}/v1/lookup/{dossier['portal_code']}", timeout=30).json()["status"]
        if status != "submitted":
            break
        time.sleep(0.2)
    assert status not in ("draft", "submitted"), "no worker picked the dossier up"
    clerk = stack.token("clerk", "031")
    listed = http.get(f"{stack.base}/v1/dossiers", params={"limit": 200}, headers=clerk, timeout=30).json()["items"]
    assert dossier["id"] in [item["id"] for item in listed]


def test_an_oversized_body_is_refused_before_it_is_read(stack: Any) -> None:
    # A client announcing 50 MB gets 413 at once: the server does not wait for (or buffer) the body.
    host, port = stack.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /v1/dossiers HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(4096):  # the server closes the connection after its answer
            chunks.append(chunk)
        reply = b"".join(chunks).decode()
    assert reply.startswith(("HTTP/1.1 413", "HTTP/1.0 413"))
    assert "body_too_large" in reply


def test_unknown_routes_and_methods_are_answered_in_the_apis_error_shape(stack: Any, http: requests.Session) -> None:
    # a known path with another method: 405, naming the methods it has
    wrong_method = http.delete(f"{stack.base}/v1/dossiers/{uuid.uuid4().hex}", timeout=30)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    # no such route: 404, as the gateway responses of infra/aws.json answer in AWS
    nowhere = http.get(f"{stack.base}/v1/nothing-here", timeout=30)
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"
    assert http.get(f"{stack.base}/v1/health", timeout=30).json() == {"status": "ok", "failing": []}


def test_every_documented_operation_is_served(stack: Any, http: requests.Session) -> None:
    """The other direction of the contract: each path and method of `/v1/openapi.json`, called over
    HTTP with its parameters filled in, reaches a route (no "no such route", no 405)."""
    spec = http.get(f"{stack.base}/v1/openapi.json", timeout=30).json()
    filled = {
        "code": "PA-031-2026-NOSUCH23",
        "dossier_id": "00000000-0000-4000-8000-000000000000",
        "portal_code": "G22.99-000000-000000",
        "kind": "receipt",
        "name": "config.json",
    }
    admin = stack.token("admin")
    for path, operations in spec["paths"].items():
        for method in operations:
            url = stack.base + path.format(**filled)
            reply = http.request(method.upper(), url, headers=admin, allow_redirects=False, timeout=30)
            no_route = (
                reply.status_code == 404
                and reply.headers.get("Content-Type", "").startswith("application/json")
                and reply.json()["error"]["code"] == "not_found"
            )
            assert not no_route and reply.status_code != 405, (method, path, reply.status_code, reply.text[:200])


@pytest.mark.stops_stack
def test_ctrl_c_stops_everything_cleanly(stack: Any) -> None:
    # Last of all (tests/e2e/conftest.py): stopping the stack is what a developer does at the end of the day.
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.base}/v1/health", timeout=2)
