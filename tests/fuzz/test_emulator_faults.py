"""The emulator's fault switch (`POST /_motcua/faults`): writes refused for a while, reads not;
messages of chosen queues delivered twice."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.local.emulator import duplicate_messages, fault_status, refuse_writes
from chalicelib.local.stack import Emulator, free_port, start_emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    running = start_emulator(free_port())
    yield running
    running.stop()


def _client(emulator: Emulator, service: str) -> object:
    once = Config(retries={"mode": "standard", "max_attempts": 1})
    return boto3.client(
        service,
        endpoint_url=emulator.endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=once,
    )


def test_writes_are_refused_with_503_for_the_window_and_reads_go_on(emulator: Emulator) -> None:
    # GIVEN a table, a bucket and a queue
    db, s3, sqs = _client(emulator, "dynamodb"), _client(emulator, "s3"), _client(emulator, "sqs")
    db.create_table(
        TableName="faults",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket="faults-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    queue = sqs.create_queue(QueueName="faults")["QueueUrl"]
    before = fault_status(emulator.endpoint)["refused"]

    # WHEN writes are refused for 1.5 seconds
    assert refuse_writes(emulator.endpoint, 1.5)["refusing_for"] > 1
    writes = {
        "dynamodb": lambda: db.put_item(TableName="faults", Item={"k": {"S": "a"}}),
        "transaction": lambda: db.transact_write_items(
            TransactItems=[{"Put": {"TableName": "faults", "Item": {"k": {"S": "b"}}}}]
        ),
        "s3": lambda: s3.put_object(Bucket="faults-bucket", Key="x", Body=b"x"),
        "sqs": lambda: sqs.send_message(QueueUrl=queue, MessageBody="x"),
    }
    errors = {}
    for name, write in writes.items():
        with pytest.raises(ClientError) as raised:
            write()
        errors[name] = (
            raised.value.response["ResponseMetadata"]["HTTPStatusCode"],
            raised.value.response["Error"]["Code"],
        )

    # THEN each write got the service's own 503, reads still answer, and the switch counted them
    assert errors == dict.fromkeys(writes, (503, "ServiceUnavailable"))
    assert db.get_item(TableName="faults", Key={"k": {"S": "a"}}).get("Item") is None
    assert s3.list_objects_v2(Bucket="faults-bucket")["KeyCount"] == 0
    assert sqs.receive_message(QueueUrl=queue).get("Messages") is None
    refused = fault_status(emulator.endpoint)["refused"]
    assert {k: refused[k] - before[k] for k in refused} == {"dynamodb": 4, "s3": 2, "sqs": 2}  # the client retries once

    # AND once the window closes, writes go through again
    time.sleep(max(0.0, fault_status(emulator.endpoint)["refusing_for"]) + 0.1)
    db.put_item(TableName="faults", Item={"k": {"S": "a"}})
    s3.put_object(Bucket="faults-bucket", Key="x", Body=b"x")
    sqs.send_message(QueueUrl=queue, MessageBody="x")


def test_a_bad_order_is_refused_and_changes_nothing(emulator: Emulator) -> None:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        emulator.endpoint + "/_motcua/faults",
        data=json.dumps({"refuse_writes_seconds": 5, "services": ["kms"]}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    assert fault_status(emulator.endpoint)["refusing_for"] == 0


def _drain(sqs: object, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])  # type: ignore[attr-defined]
        if not got:
            return bodies
        bodies += [m["Body"] for m in got]


def test_every_message_of_a_chosen_queue_is_delivered_twice_and_the_others_once(emulator: Emulator) -> None:
    # GIVEN two queues, one of them chosen for duplicate delivery
    sqs = _client(emulator, "sqs")
    twice = sqs.create_queue(QueueName="twice")["QueueUrl"]
    once = sqs.create_queue(QueueName="once")["QueueUrl"]
    assert duplicate_messages(emulator.endpoint, ["twice"])["duplicate_queues"] == ["twice"]
    try:
        # WHEN three messages go to each, one of them in a batch of two
        for url in (twice, once):
            sqs.send_message(QueueUrl=url, MessageBody="a")
            sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "b"}, {"Id": "2", "MessageBody": "c"}]
            )
        # THEN the chosen queue holds each message twice, the other once, and the switch counted them
        assert sorted(_drain(sqs, twice)) == ["a", "a", "b", "b", "c", "c"]
        assert sorted(_drain(sqs, once)) == ["a", "b", "c"]
        assert fault_status(emulator.endpoint)["duplicated"] == {"twice": 3}
    finally:
        duplicate_messages(emulator.endpoint, [])
    # AND once switched off, a message is delivered once again
    sqs.send_message(QueueUrl=twice, MessageBody="d")
    assert _drain(sqs, twice) == ["d"]
