"""SQS queues of the pipeline. A message names a dossier and a step, nothing personal.

Every handler may see a message twice; the step, not the message id, is what makes the work
idempotent (a replayed message from a DLQ has a new id).
"""

from __future__ import annotations

from functools import cache

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.domain.messages import StepMessage

__all__ = ["QUEUES", "dlq_name", "queue_name", "queue_url", "send"]

QUEUES: tuple[str, ...] = ("extract", "check", "workflow", "notify")
"""Logical names; each has a dead-letter queue `<name>-dlq` in `infra/`."""


def queue_name(queue: str) -> str:
    return settings().name(queue)


def dlq_name(queue: str) -> str:
    return settings().name(f"{queue}-dlq")


@cache
def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def send(message: StepMessage, delay_seconds: int = 0) -> str:
    """Send `message` to its step's queue; answers the message id."""
    reply = client("sqs").send_message(
        QueueUrl=queue_url(queue_name(message.queue)), MessageBody=message.to_json(), DelaySeconds=delay_seconds
    )
    return reply["MessageId"]
