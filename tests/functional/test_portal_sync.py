"""The portal hears of every status change and slip, in order, once, even after being down."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests

from chalicelib.adapters import signed_http
from chalicelib.adapters.audit import audit_log
from chalicelib.config import settings
from chalicelib.local.stack import free_port
from chalicelib.services import notify, pipeline
from tests.functional.world import Fixture


class Portal:
    """A stand-in portal on loopback that records the notifications it accepts."""

    def __init__(self, port: int) -> None:
        received = self.received = []
        nonces = signed_http.NonceRegister()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed_http.check(b"s3cret", body, dict(self.headers.items()), nonces)
                received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_portal_that_was_down_is_caught_up_in_order_and_once(world: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_URL", f"http://127.0.0.1:{port}/callback")
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_SECRET", "s3cret")
    settings.cache_clear()
    # GIVEN a dossier taken to acceptance while the portal is down
    dossier = world.run(world.submit([world.worker(0)]))
    with pytest.raises((requests.RequestException, RuntimeError)):  # refused, or answered with an error
        notify.notify_step(pipeline.StepMessage(dossier["id"], "notify"))
    pending = audit_log().entries(dossier["id"], unsent_only=True)
    assert [e.what for e in pending][:2] == ["status:draft", "status:submitted"]
    # WHEN it comes back and the sweep's catch-up runs, twice
    portal = Portal(port)
    try:
        assert dossier["id"] in audit_log().dossiers_with_unsent()
        notify.notify_step(pipeline.StepMessage(dossier["id"], "notify"))
        notify.notify_step(pipeline.StepMessage(dossier["id"], "notify"))
    finally:
        portal.stop()
    # THEN it got every change and the receipt, in order, each once, with no personal data
    events = [(e["seq"], e["event"], e.get("to") or e["document"]["kind"]) for e in portal.received]
    assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    assert [what for _, _, what in events] == [
        "draft",
        "submitted",
        "processing",
        "receipt",
        "accepted",
        "control_slip",
    ]
    text = json.dumps(portal.received, ensure_ascii=False)
    assert world.people[0].full_name not in text and world.people[0].si_number not in text
    assert audit_log().entries(dossier["id"], unsent_only=True) == []


def test_each_callback_carries_its_audit_entrys_hash_so_the_portal_can_hold_bhxh_to_its_log(
    world: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18, finding 5: the portal kept sequence numbers only, nothing it could check BHXH's log against."""
    import app as app_module
    from chalicelib.api.openapi import document

    port = free_port()
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_URL", f"http://127.0.0.1:{port}/callback")
    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_SECRET", "s3cret")
    settings.cache_clear()
    portal = Portal(port)
    try:
        dossier = world.run(world.submit([world.worker(2)]))
        notify.notify_step(pipeline.StepMessage(dossier["id"], "notify"))
    finally:
        portal.stop()
    # THEN every callback names the hash of the audit entry it reports and the hash before it...
    entries = {e.seq: e for e in audit_log().entries(dossier["id"])}
    got = [c for c in portal.received if c["dossier_id"] == dossier["id"]]
    assert got and all(c["hash"] == entries[c["seq"]].hash for c in got)
    # ...so the portal holds a chain of its own: each prev_hash is the hash of the callback before it
    assert got[0]["prev_hash"] == "" and all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(got))
    # AND the shape is published where the API is: the `portalCallback` webhook of the OpenAPI document
    spec = document(app_module.app.routes)
    schema = spec["webhooks"]["portalCallback"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PortalCallback"}
    assert {"hash", "prev_hash", "seq"} <= set(spec["components"]["schemas"]["PortalCallback"]["required"])
