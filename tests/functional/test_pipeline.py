"""The pipeline's plumbing: submit → extract queue → handler → next queue, with DLQs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.adapters.aws import client
from chalicelib.adapters.queues import dlq_name, queue_name, queue_url
from tests.helpers import dossier_body


@pytest.fixture(scope="module")
def runner(local_stack: dict[str, str]) -> Any:
    from chalicelib.local.runner import Runner

    return Runner(schedules=False, backoff=lambda count: 0)


def trigger(runner: Any, name: str) -> Any:
    return next(t for t in runner.triggers() if t.name == name)


def drain(queue: str, raw: bool = False) -> list[Any]:
    """Every message now on `queue` (removed), as JSON unless `raw`."""
    sqs, url, found = client("sqs"), queue_url(queue), []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return found
        for m in messages:
            found.append(m["Body"] if raw else json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def submit(api: Any, token: Callable[..., dict[str, str]]) -> str:
    dossier = api.http.post(
        "/v1/dossiers", headers={**token("portal"), "Content-Type": "application/json"}, body=json.dumps(dossier_body())
    ).json_body
    assert api.http.post(f"/v1/dossiers/{dossier['id']}/submit", headers=token("portal")).status_code == 202
    return dossier["id"]


def test_a_submitted_dossier_flows_through_the_extract_step_once_even_if_delivered_twice(
    api: Any, token: Callable[..., dict[str, str]], runner: Any
) -> None:
    drain(queue_name("extract")), drain(queue_name("check"))
    # GIVEN a submitted dossier, whose message is on the extract queue
    dossier_id = submit(api, token)
    # WHEN the runner calls the extract handler, and the same message is delivered a second time
    assert runner.poll_once(trigger(runner, "extract")) == 1
    client("sqs").send_message(
        QueueUrl=queue_url(queue_name("extract")),
        MessageBody=json.dumps({"dossier_id": dossier_id, "step": "extract", "round": 1}),
    )
    assert runner.poll_once(trigger(runner, "extract")) == 1
    # THEN the dossier moved to processing once, and the check queue holds its message
    dossier = api.http.get(f"/v1/dossiers/{dossier_id}", headers=token("portal")).json_body
    assert dossier["status"] == "processing"
    assert [h["status"] for h in dossier["history"]] == ["draft", "submitted", "processing"]
    assert {m["dossier_id"] for m in drain(queue_name("check"))} == {dossier_id}
    assert drain(queue_name("extract")) == []


def test_a_message_that_keeps_failing_lands_in_the_dlq_after_five_receives(runner: Any) -> None:
    drain(queue_name("extract")), drain(dlq_name("extract"), raw=True)
    client("sqs").send_message(QueueUrl=queue_url(queue_name("extract")), MessageBody="not a step message")
    receives = 0
    while runner.poll_once(trigger(runner, "extract"), wait_seconds=0):
        receives += 1
    assert receives == 5
    assert drain(dlq_name("extract"), raw=True) == ["not a step message"]
    assert drain(queue_name("extract")) == []


def test_the_lambda_event_reports_only_failed_records(
    api: Any, token: Callable[..., dict[str, str]], local_stack: dict[str, str]
) -> None:
    import app as app_module
    from chalicelib.local.runner import LambdaContext, sqs_event

    dossier_id = submit(api, token)
    drain(queue_name("extract"))
    messages = [
        {
            "MessageId": "good-1",
            "ReceiptHandle": "r1",
            "Body": json.dumps({"dossier_id": dossier_id, "step": "extract"}),
        },
        {"MessageId": "bad-2", "ReceiptHandle": "r2", "Body": "{}"},
    ]
    result = app_module.extract(
        sqs_event(messages, "arn:aws:sqs:ap-southeast-1:123456789012:q", "ap-southeast-1"), LambdaContext("extract")
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-2"}]}


def test_a_dossier_whose_message_was_lost_is_sent_again_and_flagged_for_the_clerk(
    api: Any, token: Callable[..., dict[str, str]], runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from chalicelib.services import intake

    # GIVEN a submitted dossier whose message was lost
    dossier_id = submit(api, token)
    drain(queue_name("extract"))
    # WHEN the sweep runs after the step's limit (here: at once)
    monkeypatch.setitem(intake.STEP_LIMITS, intake.Status.SUBMITTED, (timedelta(0), "extract"))
    assert intake.requeue_stuck() >= 1
    # THEN the clerk sees why in the worklist, and the dossier moves on, which clears the flag
    listed = api.http.get("/v1/dossiers?status=submitted&limit=200", headers=token("clerk", "031")).json_body["items"]
    flagged = next(item for item in listed if item["id"] == dossier_id)
    assert "«submitted»" in flagged["attention"] and "xử lý lại" in flagged["attention"]
    while runner.poll_once(trigger(runner, "extract"), wait_seconds=0):  # every submitted dossier was sent again
        pass
    moved = api.http.get(f"/v1/dossiers/{dossier_id}", headers=token("portal")).json_body
    assert moved["status"] == "processing" and moved["attention"] is None
