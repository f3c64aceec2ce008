"""The local stand-in for Lambda's SQS triggers and schedules (`chalice local` runs neither).

It long-polls each queue the app subscribes to in the emulator and calls the very same handler
objects with a Lambda-shaped SQS event. As Lambda does with `ReportBatchItemFailures`, only the
records the handler reports as failed come back; they return after a short back-off and, past the
queue's `maxReceiveCount`, the emulator moves them to the DLQ. Ctrl-C (SIGINT) or SIGTERM stops
it between batches.

Like a warm Lambda container, a runner pays its start-up once, before it polls: it loads what the
handlers use (pyHanko, ReportLab's fonts, the KMS signer, the OCR libraries;
`chalicelib.services.warm`), so the first dossier does not pay it, and no two handler threads
import pyHanko at once (Python's import locks can then raise `_DeadlockError`, seen under load).

Idle long polls last one second, not Lambda's twenty: a runner killed while polling leaves its
receive waiting in the emulator, which hands the next message to the dead poll (hidden, and one
receive nearer the DLQ, for the visibility timeout). Seconds-long polls made that happen often
enough under repeated kills to push a message into a DLQ. The price: with two idle workers, their
empty receives cost the emulator about 5 % of a core (measured; 1 % with five-second polls).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from types import ModuleType
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.queues import queue_url
from chalicelib.logs import logger

__all__ = ["LambdaContext", "Runner", "sqs_event"]


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers may read."""

    function_name: str
    timeout_seconds: int = 300
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 1024
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


def _scheduled_event(rule: str) -> dict[str, Any]:
    """An EventBridge scheduled event as Lambda receives it: Chalice's `CloudWatchEvent` reads every
    one of these keys (without `version` it raised KeyError, and the local sweep never ran)."""
    from datetime import datetime

    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1"),
        "resources": [f"arn:aws:events:local:123456789012:rule/{rule}"],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Messages from `ReceiveMessage` as Lambda hands them to a function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def _backoff(receive_count: int) -> int:
    return min(2 ** max(receive_count - 1, 0), 30)


class Runner:
    """Polls every SQS trigger of `app_module` (one thread each) and runs its schedules."""

    def __init__(
        self,
        app_module: ModuleType | None = None,
        schedules: bool = True,
        schedule_every: float = 60.0,
        backoff: Callable[[int], int] = _backoff,
        visibility: int | None = None,
    ) -> None:
        self.module = app_module or importlib.import_module("app")
        self.backoff = backoff
        self.visibility = visibility or int(os.environ.get("MOTCUA_RUNNER_VISIBILITY", "30"))
        """Seconds a received message stays hidden; extended while its handler runs, so a runner
        killed mid-step gives its messages back within this time (Lambda waits for the queue's
        whole visibility timeout)."""
        self.stop = threading.Event()
        self.schedules = schedules
        self.schedule_every = schedule_every
        self._sqs = client("sqs")

    def _handler(self, handler_string: str) -> Callable[[dict[str, Any], Any], Any]:
        return getattr(self.module, handler_string.rsplit(".", 1)[1])

    def triggers(self) -> list[Any]:
        return [e for e in self.module.app.event_sources if type(e).__name__ == "SQSEventConfig"]

    def poll_once(self, trigger: Any, wait_seconds: int = 1) -> int:
        """Receive one batch, run the handler on it, settle each message; returns the batch size."""
        url = queue_url(trigger.queue)
        reply = self._sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=trigger.batch_size,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=self.visibility,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = reply.get("Messages", [])
        if not messages:
            return 0
        arn = f"arn:aws:sqs:{self._sqs.meta.region_name}:{os.environ.get('MOTCUA_ACCOUNT_ID', '123456789012')}:{trigger.queue}"
        done_event = threading.Event()
        heartbeat = threading.Thread(target=self._keep_hidden, args=(url, messages, done_event), daemon=True)
        heartbeat.start()
        try:
            result = self._handler(trigger.handler_string)(
                sqs_event(messages, arn, self._sqs.meta.region_name), LambdaContext(trigger.name)
            )
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - as in Lambda, an exception fails the whole batch
            logger().exception("handler raised; the whole batch comes back", extra={"queue": trigger.queue})
            failed = {m["MessageId"] for m in messages}
        finally:
            done_event.set()
            heartbeat.join()
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            )
        for m in messages:
            if m["MessageId"] in failed:
                count = int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
                self._sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=self.backoff(count)
                )
        return len(messages)

    def _keep_hidden(self, url: str, messages: list[dict[str, Any]], done: threading.Event) -> None:
        while not done.wait(self.visibility / 3):
            for m in messages:
                try:
                    self._sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=self.visibility
                    )
                except Exception:  # noqa: BLE001 - best effort; at worst the message is seen twice
                    pass

    def _poll_forever(self, trigger: Any) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once(trigger)
            except Exception:  # noqa: BLE001 - the emulator restarting must not end the runner
                logger().exception("polling failed; retrying", extra={"queue": trigger.queue})
                self.stop.wait(1.0)

    def _schedule_forever(self) -> None:
        scheduled = [e for e in self.module.app.event_sources if type(e).__name__ == "ScheduledEventConfig"]
        while not self.stop.wait(self.schedule_every):
            for config in scheduled:
                try:
                    self._handler(config.handler_string)(_scheduled_event(config.name), LambdaContext(config.name))
                except Exception:  # noqa: BLE001
                    logger().exception("scheduled handler failed", extra={"handler": config.name})

    def _warm(self) -> None:
        try:
            from chalicelib.services.warm import warm

            warm()
        except Exception:  # noqa: BLE001 - warming is an optimisation; the first message loads what it needs
            logger().exception("warming up failed; handlers load what they need on first use")

    def run(self) -> None:
        self._warm()
        threads = [
            threading.Thread(target=self._poll_forever, args=(t,), name=f"poll-{t.name}", daemon=True)
            for t in self.triggers()
        ]
        if self.schedules:
            threads.append(threading.Thread(target=self._schedule_forever, name="schedules", daemon=True))
        for thread in threads:
            thread.start()
        try:
            while not self.stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            self.stop.set()
        for thread in threads:
            thread.join(timeout=5)
