"""From acceptance to the end: confirmation, forwarding, decision, return, deadlines, audit."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from chalicelib.adapters import authorities, signed_http
from chalicelib.adapters.audit import audit_log
from chalicelib.adapters.aws import client
from chalicelib.adapters.store import store
from chalicelib.config import settings
from chalicelib.domain.audit import verify_chain
from chalicelib.services import documents, pipeline, workflow
from chalicelib.services.operations import verify_audit
from tests.functional.world import Fixture


def accepted(world: Fixture, *rows: int) -> str:
    dossier = world.run(world.submit([world.worker(i) for i in rows or (0, 1)]))
    assert dossier["status"] == "accepted", dossier["findings"]
    return dossier["id"]


def view(world: Fixture, dossier_id: str) -> dict[str, Any]:
    return world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("portal")).json_body


def decide(world: Fixture, dossier_id: str, body: Any, role: str = "authority", office: str | None = "031") -> Any:
    return world.api.http.post(
        f"/v1/dossiers/{dossier_id}/decision",
        headers={**world.token(role, office), "Content-Type": "application/json"},
        body=json.dumps(body),
    )


def test_a_dossier_goes_from_accepted_to_returned(world: Fixture) -> None:
    dossier_id = accepted(world)
    # WHEN the workflow step runs (twice, as a redelivered message would)
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
    dossier = view(world, dossier_id)
    # THEN BHXH confirmed once and the dossier waits in the province's inbox
    assert [h["status"] for h in dossier["history"]][-3:] == ["accepted", "confirmed", "forwarded"]
    assert [d["kind"] for d in dossier["documents"]] == ["receipt", "control_slip", "confirmation", "control_slip"]
    inbox = world.api.http.get("/v1/dossiers", headers=world.token("authority", "031")).json_body["items"]
    assert dossier_id in [item["id"] for item in inbox] and {i["status"] for i in inbox} == {"forwarded"}
    # WHEN the portal tries to decide, then the authority decides, twice the same, then differently
    assert decide(world, dossier_id, {"result": "approved"}, role="portal", office=None).status_code == 403
    assert decide(world, dossier_id, {"result": "approved", "amount": 1800000}, office="079").status_code == 403
    assert decide(world, dossier_id, {"result": "maybe"}).status_code == 422
    first = decide(world, dossier_id, {"result": "approved", "note": "Đủ điều kiện", "amount": 1800000})
    again = decide(world, dossier_id, {"result": "approved", "note": "Đủ điều kiện", "amount": 1800000})
    contrary = decide(world, dossier_id, {"result": "denied"})
    assert (first.status_code, again.status_code, contrary.status_code) == (200, 200, 409)
    assert contrary.json_body["error"]["code"] == "decision_conflict"
    assert first.json_body["status"] == "decided"
    # AND the clerk hands the result back: closed, with the control slip of every hand-over
    returned = world.api.http.post(f"/v1/dossiers/{dossier_id}/return", headers=world.token("clerk", "031"))
    assert returned.status_code == 200 and returned.json_body["status"] == "returned"
    assert [d["kind"] for d in returned.json_body["documents"]] == [
        "receipt",
        "control_slip",
        "confirmation",
        "control_slip",
        "control_slip",
        "control_slip",
    ]
    assert verify_audit(dossier_id) == {}


def test_the_authority_endpoint_failing_five_times_still_gets_the_dossier_once(
    world: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[str] = []
    bodies: list[dict[str, Any]] = []
    failures = {"left": 5}
    nonces = signed_http.NonceRegister()

    class Authority(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if failures["left"] > 0:
                failures["left"] -= 1
                self.send_response(503)
            else:
                # signed with the province's own key over timestamp, nonce and body (issue 18, finding 6)
                signed_http.check(b"province-key", body, dict(self.headers.items()), nonces)
                received.append(self.headers["Idempotency-Key"])
                bodies.append(json.loads(body))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Authority)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(
        "MOTCUA_AUTHORITY_URLS", json.dumps({"province": f"http://127.0.0.1:{server.server_port}/inbox"})
    )
    monkeypatch.setenv("MOTCUA_AUTHORITY_BACKOFF", "0")
    monkeypatch.setenv("MOTCUA_AUTHORITY_SECRET", "province-key")
    settings.cache_clear()
    authorities.endpoints.cache_clear()
    try:
        dossier_id = accepted(world)
        workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
        workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))  # redelivered: already forwarded
    finally:
        server.shutdown()
        authorities.endpoints.cache_clear()
    assert received == [dossier_id]
    assert failures["left"] == 0
    forwarded = view(world, dossier_id)
    assert forwarded["status"] == "forwarded"
    # the authority is told its own deadline: the district's 3 days and the province's 2, from today
    assert bodies[0]["deadline"] == {
        "body": "province",
        "days": 5,
        "due": forwarded["steps"][1]["due"],
        "source": forwarded["steps"][1]["source"],
    }


@pytest.fixture
def late(world: Fixture) -> Iterator[str]:
    # GIVEN an accepted dossier whose BHXH step is due on Thursday 14/5/2020 and still open
    dossier_id = accepted(world)
    dossier = store().get(dossier_id)
    step = dossier.steps[0].model_copy(update={"due": date(2020, 5, 14)})
    store().save(
        dossier.model_copy(update={"due_date": date(2020, 5, 19), "bhxh_due_date": date(2020, 5, 14), "steps": [step]})
    )
    yield dossier_id


def test_the_sweep_apologises_once_with_a_new_date_for_a_late_dossier(world: Fixture, late: str) -> None:
    as_of = date(2020, 5, 13)  # a Wednesday: the last working day before BHXH's deadline
    assert workflow.sweep_deadlines(as_of) >= 1
    dossier = view(world, late)
    assert dossier["overdue"] is True
    # BHXH's step gets its 3 days again after 14/5 (Tue 19/5); the province then has its 5: Tue 26/5
    assert dossier["steps"][0]["moved_to"] == "2020-05-19"
    assert (
        dossier["due_date"] == documents.calendar().add_working_days(date(2020, 5, 19), 5).isoformat() == "2020-05-26"
    )
    assert dossier["original_due_date"] == "2020-05-19"
    assert [d["kind"] for d in dossier["documents"]] == ["receipt", "control_slip", "apology", "control_slip"]
    workflow.sweep_deadlines(as_of + timedelta(days=1))
    assert [d["kind"] for d in view(world, late)["documents"]] == [
        "receipt",
        "control_slip",
        "apology",
        "control_slip",
    ]  # once per dossier
    overdue = world.api.http.get("/v1/dossiers?overdue=true&limit=200", headers=world.token("clerk", "031")).json_body[
        "items"
    ]
    assert late in [item["id"] for item in overdue]


def test_a_dossier_due_later_is_left_alone(world: Fixture) -> None:
    dossier_id = accepted(world)
    dossier = store().get(dossier_id)
    store().save(dossier.model_copy(update={"steps": [dossier.steps[0].model_copy(update={"due": date(2020, 5, 20)})]}))
    workflow.sweep_deadlines(date(2020, 5, 14))
    assert view(world, dossier_id)["overdue"] is False


def test_audit_verify_finds_an_altered_and_a_removed_entry(world: Fixture) -> None:
    dossier_id = accepted(world)
    assert verify_audit(dossier_id) == {}
    entries = audit_log().entries(dossier_id)
    db, table = client("dynamodb"), audit_log().table
    db.update_item(
        TableName=table,
        Key={"dossier_id": {"S": dossier_id}, "seq": {"N": "2"}},
        UpdateExpression="SET what = :w",
        ExpressionAttributeValues={":w": {"S": "status:accepted"}},
    )
    assert any("entry 2 was altered" in p for p in verify_audit(dossier_id)[dossier_id])
    db.delete_item(TableName=table, Key={"dossier_id": {"S": dossier_id}, "seq": {"N": str(entries[-1].seq)}})
    assert any("ends at entry" in p for p in verify_audit(dossier_id)[dossier_id])


def test_stats_count_each_step_against_its_own_deadline_per_body_and_week(world: Fixture, late: str) -> None:
    workflow.sweep_deadlines(date(2020, 5, 15))
    stats = world.api.http.get("/v1/stats", headers=world.token("clerk", "031")).json_body
    assert stats["office"] == "031"
    rows = [r for r in stats["rows"] if r["procedure"] == "suspension_support" and r["body"] == "bhxh"]
    assert sum(r["late"] for r in rows) >= 1 and all(
        r["received"] == r["late"] + r["on_time"] + r["open"] for r in stats["rows"]
    )
    assert world.api.http.get("/v1/stats", headers=world.token("portal")).status_code == 403


def test_the_local_runner_gives_the_sweep_the_event_lambda_would(local_stack: dict[str, str]) -> None:
    # The runner's scheduled event lacked keys Chalice reads (`version`): every minute the local
    # sweep raised KeyError, so deadlines and apologies never ran under `make run`.
    import app as app_module
    from chalicelib.local.runner import LambdaContext, _scheduled_event

    answer = app_module.sweep(_scheduled_event("sweep"), LambdaContext("sweep"))
    assert set(answer) == {"requeued", "overdue", "notifying", "anchored"}


def test_audit_verify_finds_a_tail_rewritten_in_both_tables_against_the_signed_anchor(world: Fixture) -> None:
    """Issue 18, finding 5: who can write the dossier and the audit table can cut or rewrite a log's
    tail and move the dossier's head to match; the chain alone then holds. The anchor does not."""
    from chalicelib.domain.audit import AuditEntry
    from chalicelib.services import anchoring

    cut, rewritten = accepted(world, 4), accepted(world, 5)
    # GIVEN the sweep anchored both chains' heads (signed with the KMS key, in the anchors bucket)
    assert anchoring.anchor(force=True) >= 2
    db, table = client("dynamodb"), audit_log().table
    # WHEN the newest entry of one is deleted and its dossier's head set back one entry
    newest = audit_log().entries(cut)[-1]
    db.delete_item(TableName=table, Key={"dossier_id": {"S": cut}, "seq": {"N": str(newest.seq)}})
    dossier = store().get(cut)
    store().save(dossier.model_copy(update={"audit_seq": newest.seq - 1, "audit_head": newest.prev_hash}))
    # AND the other's newest entry is rewritten with a hash that fits, its dossier's head moved to it
    last = audit_log().entries(rewritten)[-1]
    forged = AuditEntry.digest(last.dossier_id, last.seq, last.at, last.by, last.what, "rewritten", last.prev_hash)
    db.update_item(
        TableName=table,
        Key={"dossier_id": {"S": rewritten}, "seq": {"N": str(last.seq)}},
        UpdateExpression="SET detail = :d, #h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":d": {"S": "rewritten"}, ":h": {"S": forged}},
    )
    dossier = store().get(rewritten)
    store().save(dossier.model_copy(update={"audit_head": forged}))
    # THEN each chain alone still holds (what verify saw before the anchors)...
    assert verify_chain(store().get(cut), audit_log().entries(cut)) == []
    assert verify_chain(store().get(rewritten), audit_log().entries(rewritten)) == []
    # ...and `motcua audit verify` finds both against the anchor
    # (each by its id: the session's other dossiers, hundreds, are not this test's; the whole log is
    # verified by tests/e2e/test_persistence.py)
    report = {**verify_audit(cut), **verify_audit(rewritten)}
    assert any("cut back" in p for p in report[cut]), report.get(cut)
    assert any("rewritten" in p for p in report[rewritten]), report.get(rewritten)
    assert "anchors" not in report  # the anchors themselves are sound


def test_audit_verify_holds_anchors_of_every_key_the_stage_used_and_no_other(
    world: Fixture, tmp_path: Any, monkeypatch: Any, capsys: Any
) -> None:
    """Issue 18, finding 5 after a key rotation: anchors were checked with the current KMS key only,
    so every anchor written before a rotation read "not signed by the stage's key"."""
    import base64
    import hashlib
    from pathlib import Path

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from chalicelib import cli
    from chalicelib.local import pki
    from chalicelib.services import anchoring

    # (the anchors are checked whichever dossier is asked for: this one, not the session's hundreds)
    dossier_id = accepted(world)
    # GIVEN an anchor signed with the stage's key as it is today
    assert anchoring.anchor(force=True) >= 1
    state, kms = Path(world.state_dir), client("kms")
    alias = settings().signing_key_alias
    old_key = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    old_cert = (state / "signing-cert.pem").read_bytes()
    # WHEN the stage rotates: a new KMS key under the alias, its certificate heads the chain, the old one in the history
    new_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    ca_key, ca_cert = pki._ensure_ca(state)
    new_cert = pki._issue_signing_cert(kms.get_public_key(KeyId=new_key)["PublicKey"], ca_key, ca_cert)
    chain, history = tmp_path / "chain.pem", tmp_path / "history.pem"
    chain.write_bytes(new_cert.public_bytes(serialization.Encoding.PEM) + (state / "ca.pem").read_bytes())
    monkeypatch.setenv("MOTCUA_SIGNING_CHAIN", str(chain))
    monkeypatch.setenv("MOTCUA_SIGNING_HISTORY", str(history))
    forged_key = ""
    try:
        kms.update_alias(AliasName=alias, TargetKeyId=new_key)
        # THEN with the history kept, as a rotation keeps it, the anchor signed by the previous key still verifies
        history.write_bytes(old_cert)
        settings.cache_clear()
        capsys.readouterr()
        cli.main(["audit", "verify", "--dossier", dossier_id])
        assert "anchors:" not in capsys.readouterr().out
        # (a history that lost the old certificate: the old anchors no longer hold, so the test can fail)
        history.write_bytes(b"")
        settings.cache_clear()
        assert any("not signed by any key" in p for p in verify_audit(dossier_id).get("anchors", []))
        history.write_bytes(old_cert)
        settings.cache_clear()
        # AND an anchor signed by a key the stage never used does not
        last = json.loads(anchoring.anchors_bucket().get(sorted(anchoring.anchors_bucket().keys("anchors/"))[-1]))
        document = {**last["anchor"], "at": "2999-01-01T00:00:00+00:00", "previous": last["digest"]}
        body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(body.encode()).hexdigest()
        foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signature = foreign.sign(f"motcua-audit-anchor:{digest}".encode(), padding.PKCS1v15(), hashes.SHA256())
        forged = {"anchor": document, "digest": digest, "signature": base64.b64encode(signature).decode()}
        forged_key = "anchors/2999/01/01/000000.000000.json"
        anchoring.anchors_bucket().put(forged_key, json.dumps(forged).encode(), "application/json")
        assert cli.main(["audit", "verify", "--dossier", dossier_id]) == 1
        out = capsys.readouterr().out
        assert "anchors: the anchor of 2999-01-01T00:00:00+00:00 is not signed by any key the stage has used" in out
    finally:
        if forged_key:
            client("s3").delete_object(Bucket=settings().bucket("anchors"), Key=forged_key)
        kms.update_alias(AliasName=alias, TargetKeyId=old_key)
        monkeypatch.undo()
        settings.cache_clear()
