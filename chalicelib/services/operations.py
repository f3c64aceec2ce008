"""What an operator runs by hand: audit verification and the dead-letter queues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.audit import audit_log
from chalicelib.adapters.aws import client
from chalicelib.adapters.queues import QUEUES, dlq_name, queue_name, queue_url
from chalicelib.adapters.store import store
from chalicelib.domain.audit import anchored_problems, verify_chain

__all__ = ["dlq_contents", "replay_dlq", "verify_audit"]


def _all_dossier_ids() -> Iterator[str]:
    """Every dossier id (a table scan: an operator's command, never a request path)."""
    pages = (
        client("dynamodb")
        .get_paginator("scan")
        .paginate(TableName=store().table, ProjectionExpression="id", FilterExpression="attribute_exists(body)")
    )
    for page in pages:
        yield from (item["id"]["S"] for item in page.get("Items", []))


def verify_audit(dossier_id: str | None = None) -> dict[str, list[str]]:
    """Problems of each dossier's audit log, against its own chain and against the newest signed
    anchor that saw it (only dossiers with problems appear; the anchors' own under `anchors`)."""
    from chalicelib.services.anchoring import anchored_heads

    heads, anchor_problems = anchored_heads()
    found: dict[str, list[str]] = {"anchors": anchor_problems} if anchor_problems else {}
    for did in [dossier_id] if dossier_id else _all_dossier_ids():
        entries = audit_log().entries(did)
        problems = verify_chain(store().get(did), entries)
        if did in heads:
            problems += anchored_problems(entries, *heads[did])
        if problems:
            found[did] = problems
    return found


def dlq_contents(queue: str | None = None, peek: int = 10) -> dict[str, dict[str, Any]]:
    """How many messages wait in each DLQ, with a few of them (bodies name dossiers, nothing personal)."""
    sqs = client("sqs")
    report: dict[str, dict[str, Any]] = {}
    for name in [queue] if queue else QUEUES:
        url = queue_url(dlq_name(name))
        count = int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        messages = (
            sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(peek, 10), VisibilityTimeout=0, WaitTimeSeconds=0
            ).get("Messages", [])
            if count
            else []
        )
        report[name] = {"count": count, "messages": [m["Body"] for m in messages]}
    return report


def replay_dlq(queue: str | None = None) -> dict[str, int]:
    """Send every message of the DLQ(s) back to its queue; answers how many per queue."""
    sqs = client("sqs")
    replayed: dict[str, int] = {}
    for name in [queue] if queue else QUEUES:
        source, dead = queue_url(queue_name(name)), queue_url(dlq_name(name))
        count = 0
        while True:
            messages = sqs.receive_message(
                QueueUrl=dead, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
            ).get("Messages", [])
            if not messages:
                break
            for m in messages:
                sqs.send_message(QueueUrl=source, MessageBody=m["Body"])
                sqs.delete_message(QueueUrl=dead, ReceiptHandle=m["ReceiptHandle"])
                count += 1
        replayed[name] = count
    return replayed


def pretty(report: Any) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
