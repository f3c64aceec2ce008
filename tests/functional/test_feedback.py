"""Feedback on a dossier (phản ánh, kiến nghị): sent by anyone, kept for the dossier's office,
answered by its clerk, visible by its code without the sender's contact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.services import feedback
from tests.functional.world import Fixture

JSON = {"Content-Type": "application/json"}
PAGE = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Content-Type": "application/x-www-form-urlencoded",
}


@pytest.fixture(autouse=True)
def _fresh_address_counts() -> Iterator[None]:
    """The per-address count lives in the process: each test starts with none sent."""
    feedback._sent.clear()
    yield
    feedback._sent.clear()


def send(world: Fixture, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return world.api.http.post("/v1/feedback", headers={**JSON, **(headers or {})}, body=json.dumps(body))


def test_feedback_sent_by_anyone_reaches_the_offices_clerk_who_answers_it_for_all_to_see(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    # GIVEN a worker who sends feedback about the dossier, with a phone number for the answer
    sent = send(
        world,
        {
            "portal_code": dossier["portal_code"],
            "kind": "delay",
            "content": "Hồ sơ chậm quá hạn hẹn.",
            "contact": "0912345678",
        },
    )
    assert sent.status_code == 201, sent.body
    code = sent.json_body["code"]
    assert code.startswith("PA-031-") and sent.json_body["status"] == "received"
    # THEN anyone can follow it by its code, never seeing the contact
    seen = world.api.http.get(f"/v1/feedback/{code}").json_body
    assert (
        seen["status"] == "received"
        and seen["answer"] is None
        and "contact" not in seen
        and "0912345678" not in json.dumps(seen)
    )
    # AND the office's clerk sees it, with the contact and its due dates; another office's clerk does not
    mine = world.api.http.get("/v1/feedback", headers=world.token("clerk", "031")).json_body
    item = next(i for i in mine["items"] if i["code"] == code)
    assert item["contact"] == "0912345678" and item["overdue"] is False and item["accept_due"] <= item["answer_due"]
    assert mine["counts"]["open"] >= 1
    theirs = world.api.http.get("/v1/feedback", headers=world.token("clerk", "001")).json_body
    assert code not in [i["code"] for i in theirs["items"]]
    assert (
        world.api.http.post(
            f"/v1/feedback/{code}/answer", headers={**JSON, **world.token("clerk", "001")}, body='{"answer": "x"}'
        ).status_code
        == 404
    )
    # WHEN the clerk answers it and publishes the answer
    answered = world.api.http.post(
        f"/v1/feedback/{code}/answer",
        headers={**JSON, **world.token("clerk", "031")},
        body=json.dumps({"answer": "Hồ sơ đã được chuyển UBND ngày 05/05.", "publish": True}),
    )
    assert answered.status_code == 200 and answered.json_body["status"] == "answered"
    # THEN the public page of the item shows the answer; a second, different answer is refused
    assert world.api.http.get(f"/v1/feedback/{code}").json_body["answer"] == "Hồ sơ đã được chuyển UBND ngày 05/05."
    again = world.api.http.post(
        f"/v1/feedback/{code}/answer", headers={**JSON, **world.token("clerk", "031")}, body='{"answer": "khác"}'
    )
    assert again.status_code == 409 and again.json_body["error"]["code"] == "feedback_answered"


def test_a_code_no_dossier_has_is_answered_like_any_other_and_reaches_no_office(world: Fixture) -> None:
    known = world.run(world.submit([world.worker(0)]))
    real = send(world, {"portal_code": known["portal_code"], "content": "Một câu hỏi."})
    made_up = send(world, {"portal_code": "G22.99-000000-nothere1", "content": "Một câu hỏi."})
    assert (real.status_code, made_up.status_code) == (201, 201)
    assert set(real.json_body) == set(made_up.json_body)
    assert world.api.http.get(f"/v1/feedback/{made_up.json_body['code']}").status_code == 200
    listed = world.api.http.get("/v1/feedback", headers=world.token("clerk", "031")).json_body["items"]
    assert made_up.json_body["code"] not in [i["code"] for i in listed]


def test_abuse_does_not_hurt_a_bot_a_flood_markup_and_bad_bodies(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    # a bot that fills the hidden field is answered the same, and nothing is kept
    bot = send(world, {"portal_code": dossier["portal_code"], "content": "mua ngay", "website": "http://spam"})
    assert bot.status_code == 201 and world.api.http.get(f"/v1/feedback/{bot.json_body['code']}").status_code == 404
    # markup in the text is never rendered as markup on the item's page
    script = send(world, {"portal_code": dossier["portal_code"], "content": "<script>alert(1)</script><b>x</b>"})
    page = world.api.http.get(f"/v1/feedback/{script.json_body['code']}", headers={"Accept": "text/html"}).body.decode()
    assert "<script>alert" not in page and "<b>x</b>" not in page
    # a body too long, of an unknown kind, or not JSON is a clear 4xx
    assert send(world, {"portal_code": dossier["portal_code"], "content": "x" * 2001}).status_code == 422
    assert send(world, {"portal_code": dossier["portal_code"], "content": "x", "kind": "bribe"}).status_code == 422
    assert world.api.http.post("/v1/feedback", headers=JSON, body="{not json").status_code == 400
    # one address sending more than a person would is told to wait
    statuses = [
        send(world, {"portal_code": dossier["portal_code"], "content": f"lần {i}"}).status_code for i in range(6)
    ]
    assert statuses.count(429) >= 1 and statuses[0] == 201
    limited = send(world, {"portal_code": dossier["portal_code"], "content": "nữa"})
    assert limited.status_code == 429 and limited.json_body["error"]["code"] == "too_many_feedback"


def test_the_public_pages_form_sends_feedback_and_says_where_to_follow_it(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    lookup = world.api.http.get(f"/v1/lookup/{dossier['portal_code']}", headers={"Accept": "text/html"}).body.decode()
    assert 'action="../../v1/feedback"' in lookup and 'name="website"' in lookup
    form = urlencode(
        {
            "portal_code": dossier["portal_code"],
            "kind": "conduct",
            "content": "Cán bộ hướng dẫn chưa rõ.",
            "contact": "a@b.vn",
            "website": "",
        }
    )
    reply = world.api.http.post("/v1/feedback", headers=PAGE, body=form)
    html = reply.body.decode()
    assert reply.status_code == 201 and "Đã nhận phản ánh" in html and "PA-031-" in html
    empty = world.api.http.post(
        "/v1/feedback", headers=PAGE, body=urlencode({"portal_code": dossier["portal_code"], "content": ""})
    )
    assert empty.status_code == 422 and "Chưa gửi được phản ánh" in empty.body.decode()


def test_feedback_from_other_channels_is_imported_and_late_items_show_in_the_figures(
    world: Fixture, tmp_path: Path
) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    old = (datetime.now() - timedelta(days=60)).replace(microsecond=0).isoformat()
    lines = [
        json.dumps(
            {
                "portal_code": dossier["portal_code"],
                "kind": "delay",
                "content": "Thư gửi qua bưu điện.",
                "received_at": old,
            }
        ),
        "not json",
        json.dumps({"portal_code": dossier["portal_code"], "content": ""}),
    ]
    (tmp_path / "export.jsonl").write_text("\n".join(lines), encoding="utf-8")
    taken, problems = feedback.import_file(tmp_path / "export.jsonl")
    assert taken == 1 and [p.split(":")[0] for p in problems] == ["line 2", "line 3"]
    # THEN the imported item, past its answer date, counts as overdue for the office
    listed = world.api.http.get("/v1/feedback", headers=world.token("clerk", "031")).json_body
    imported = [i for i in listed["items"] if i["channel"] == "import" and i["portal_code"] == dossier["portal_code"]]
    assert len(imported) == 1 and imported[0]["overdue"] is True
    stats = world.api.http.get("/v1/stats", headers=world.token("clerk", "031")).json_body
    assert stats["feedback"]["overdue"] >= 1
    # AND a clerk who enters feedback received by phone is recorded as that channel
    entered = send(
        world, {"portal_code": dossier["portal_code"], "content": "Gọi điện hỏi."}, world.token("clerk", "031")
    )
    listed = world.api.http.get("/v1/feedback", headers=world.token("clerk", "031")).json_body["items"]
    assert next(i for i in listed if i["code"] == entered.json_body["code"])["channel"] == "clerk"
