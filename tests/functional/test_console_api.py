"""What the clerk console asks of the API (and any other client may): worklist search and
filters, the typed list beside the signed one, slip links, resending a correction request, and the
console's own files with their security headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from chalicelib.adapters.audit import audit_log
from chalicelib.adapters.store import store
from chalicelib.services import notify
from tests.functional.world import Fixture


def worklist(world: Fixture, query: str) -> Any:
    return world.api.http.get(f"/v1/dossiers?{query}", headers=world.token("clerk", "031"))


def test_the_worklist_finds_a_dossier_by_portal_code_or_unit_code_and_filters_by_procedure(world: Fixture) -> None:
    # GIVEN two dossiers of one unit in office 031
    first = world.run(world.submit([world.worker(0)]))
    second = world.run(world.submit([world.worker(1)]))
    # WHEN the clerk searches by the first one's portal code (with stray spaces)
    found = worklist(world, f"q=%20{first['portal_code']}%20").json_body["items"]
    # THEN only that dossier comes back
    assert [d["id"] for d in found] == [first["id"]]
    # WHEN they search by the unit code, with and without the procedure filter
    by_unit = {d["id"] for d in worklist(world, f"q={world.unit.unit_code}&limit=200").json_body["items"]}
    assert {first["id"], second["id"]} <= by_unit
    assert by_unit == {
        d["id"] for d in worklist(world, f"q={world.unit.unit_code.lower()}&limit=200").json_body["items"]
    }
    assert by_unit == {
        d["id"]
        for d in worklist(world, f"q={world.unit.unit_code}&procedure=suspension_support&limit=200").json_body["items"]
    }
    assert worklist(world, f"q={world.unit.unit_code}&procedure=pension_pause").json_body["items"] == []
    # AND an unknown procedure is a clear 422, not an empty list
    wrong = worklist(world, "procedure=holiday_bonus")
    assert wrong.status_code == 422 and wrong.json_body["error"]["code"] == "unknown_procedure"


def test_the_typed_list_is_shown_beside_the_signed_list_with_differences_marked(world: Fixture) -> None:
    # GIVEN a dossier whose signed list spells the second worker's birth date differently
    typed = [world.worker(0), world.worker(1)]
    scanned = [world.worker(0), world.worker(1, date_of_birth="1990-03-28")]
    dossier_id = world.submit(typed, scan=scanned)
    clerk = world.token("clerk", "031")
    # WHEN the clerk looks before the extract step has read the list
    early = world.api.http.get(f"/v1/dossiers/{dossier_id}/worker-lists", headers=clerk).json_body
    assert early["lists"] == [
        {"attachment": "worker_list.pdf", "state": "not_read", "rows": [], "extra": [], "reconciled": [], "notes": []}
    ]
    # AND after the pipeline ran
    world.run(dossier_id)
    lists = world.api.http.get(f"/v1/dossiers/{dossier_id}/worker-lists", headers=clerk).json_body["lists"]
    # THEN each typed row stands beside its scanned row, and only the differing field is marked
    rows = lists[0]["rows"]
    assert lists[0]["state"] == "read" and [r["row"] for r in rows] == [1, 2]
    assert rows[0]["differs"] == [] and rows[0]["scanned"]["si_number"] == typed[0]["si_number"]
    assert rows[1]["differs"] == ["date_of_birth"]
    assert (rows[1]["typed"]["date_of_birth"], rows[1]["scanned"]["date_of_birth"]) == ("1990-02-28", "1990-03-28")


def test_a_page_gets_a_download_link_and_a_preview_link_of_a_slip(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    assert dossier["status"] == "accepted"
    # WHEN a page asks for the receipt as JSON (it cannot read a cross-origin redirect)
    reply = world.api.http.get(
        f"/v1/dossiers/{dossier['id']}/documents/receipt",
        headers={**world.token("clerk", "031"), "Accept": "application/json"},
    )
    # THEN it gets two short-lived links to the same signed PDF: one downloads, one opens in place
    assert reply.status_code == 200, reply.body
    link = reply.json_body
    assert (
        link["kind"] == "receipt" and link["number"] == dossier["documents"][0]["number"] and link["expires_in"] == 300
    )
    download, preview = requests.get(link["url"], timeout=10), requests.get(link["preview_url"], timeout=10)
    assert download.content == preview.content and download.content.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert "X-Amz-Expires" in parse_qs(urlsplit(link["url"]).query) or "Expires" in parse_qs(
        urlsplit(link["url"]).query
    )
    # AND without that Accept header the answer is still the redirect the portal follows
    redirect = world.api.http.get(f"/v1/dossiers/{dossier['id']}/documents/receipt", headers=world.token("portal"))
    assert redirect.status_code == 302


def test_a_clerk_resends_the_correction_request_once_per_press_and_the_portal_hears_of_it(world: Fixture) -> None:
    # GIVEN a dossier that needs correction (its signed list is missing)
    dossier_id = world.submit([world.worker(0)], attachments={})
    needs = world.run(dossier_id)
    assert needs["status"] == "needs_correction"
    clerk = world.token("clerk", "031")
    # WHEN the clerk presses "resend" twice in a row
    first = world.api.http.post(f"/v1/dossiers/{dossier_id}/correction-request/resend", headers=clerk)
    second = world.api.http.post(f"/v1/dossiers/{dossier_id}/correction-request/resend", headers=clerk)
    # THEN one notice is recorded, naming the slip already issued (no new number)
    assert (first.status_code, second.status_code) == (200, 200)
    notices = second.json_body["notices"]
    number = [d["number"] for d in needs["documents"] if d["kind"] == "correction_request"][-1]
    assert [(n["kind"], n["number"]) for n in notices] == [("correction_request", number)]
    assert [d["kind"] for d in second.json_body["documents"]] == [d["kind"] for d in needs["documents"]]
    # AND the audit log carries it, so the portal is sent it with a sequence number of its own
    entries = audit_log().entries(dossier_id)
    resent = [e for e in entries if e.what.startswith("notice:")]
    assert [e.what for e in resent] == [f"notice:correction_request:{number}"]
    assert resent[0].seq == max(e.seq for e in entries)
    body = notify.payload(store().get(dossier_id), resent[0])
    assert b'"event": "notice"' in body and number.encode() in body
    # AND a dossier that is not waiting for a correction refuses with a reason
    accepted = world.run(world.submit([world.worker(0)]))
    refused = world.api.http.post(f"/v1/dossiers/{accepted['id']}/correction-request/resend", headers=clerk)
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "not_awaiting_correction"


def test_the_console_is_served_with_its_security_headers_and_nothing_else_is(api: Any) -> None:
    page = api.http.get("/console/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<title>Một cửa BHXH" in page.body.decode("utf-8")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["Referrer-Policy"] == "no-referrer"
    script = api.http.get("/console/console.js")
    assert (
        script.headers["Content-Type"].startswith("text/javascript")
        and "frame-src 'none'" in script.headers["Content-Security-Policy"]
    )
    # the page's relative links need the trailing slash
    bare = api.http.get("/console")
    assert bare.status_code == 301 and bare.headers["Location"] == "console/"
    for name in ("app.py", "..%2Fapp.py", "fonts", "index.htm"):
        missing = api.http.get(f"/console/{name}")
        assert missing.status_code == 404, name
    config = api.http.get("/console/config.json").json_body
    assert config["auth"] == "local" and config["statuses"]["needs_correction"] == "Cần bổ sung"
    assert config["documents"]["receipt"].startswith("GIẤY TIẾP NHẬN")


def test_the_dossier_names_the_actions_each_caller_may_take_and_the_api_takes_exactly_those(world: Fixture) -> None:
    from chalicelib.services import pipeline, workflow

    def actions(dossier_id: str, role: str) -> list[str]:
        headers = world.token(role) if role == "portal" else world.token(role, "031")
        return world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=headers).json_body["actions"]

    # GIVEN a dossier forwarded to its authority, and one waiting for a correction
    forwarded = world.run(world.submit([world.worker(0)]))["id"]
    workflow.workflow_step(pipeline.StepMessage(forwarded, "confirm"))
    waiting = world.run(world.submit([world.worker(1)], attachments={}))["id"]
    # THEN each caller is offered what it may do now, and nothing else
    assert [actions(forwarded, r) for r in ("portal", "clerk", "authority")] == [
        [],
        ["decide", "report_delay"],
        ["decide", "report_delay"],
    ]
    assert [actions(waiting, r) for r in ("portal", "clerk")] == [[], ["resend_correction_request"]]
    assert (
        world.api.http.get(f"/v1/dossiers/{waiting}", headers=world.token("authority", "031")).status_code == 403
    )  # not forwarded to it
    # WHEN the authority takes the action it is offered, the API takes it, and the clerk is offered the next one
    decided = world.api.http.post(
        f"/v1/dossiers/{forwarded}/decision",
        headers={**world.token("authority", "031"), "Content-Type": "application/json"},
        body='{"result": "approved"}',
    )
    assert decided.status_code == 200 and decided.json_body["actions"] == []
    assert actions(forwarded, "clerk") == ["return"]
    # AND an action it is not offered is refused with a reason
    again = world.api.http.post(
        f"/v1/dossiers/{waiting}/decision",
        headers={**world.token("clerk", "031"), "Content-Type": "application/json"},
        body='{"result": "approved"}',
    )
    assert again.status_code == 409 and again.json_body["error"]["code"] == "not_awaiting_decision"
