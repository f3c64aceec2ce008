"""The local emulator's journal and snapshot (chalicelib/local/persistence.py), without a server.

Why apart from the e2e kill test: a kill lands mid-record only by luck there; here the torn record
is made on purpose, and the classification of requests is checked operation by operation.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.local.persistence import StateStore, classify, read_journal


def _dynamodb(operation: str) -> dict[str, str]:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}"}


def test_a_record_cut_by_a_kill_is_dropped_and_the_file_cut_back_to_the_last_whole_one(tmp_path: Path) -> None:
    # GIVEN a journal of three records, the last of which a kill cut in the middle
    store = StateStore(tmp_path)
    store.load({})
    for n in range(3):
        store.append(("http", {"n": n, "body": b"x" * 100}, []))
    journal = tmp_path / "journal-0.log"
    whole = journal.read_bytes()
    cut = whole[:-37]
    journal.write_bytes(cut)

    # WHEN it is read at the next start
    records, torn = read_journal(journal)

    # THEN the two whole records come back, the torn bytes are counted and gone from the file
    assert [r[1]["n"] for r in records] == [0, 1]
    assert torn == len(cut) - journal.stat().st_size > 0
    assert read_journal(journal) == (records, 0)


def test_a_snapshot_starts_a_new_journal_and_the_old_one_goes(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load({})
    store.append(("http", {"body": b""}, []))
    store.snapshot({})
    assert not (tmp_path / "journal-0.log").exists() and (tmp_path / "journal-1.log").exists()
    again = StateStore(tmp_path)
    records, report = again.load({})
    assert (again.generation, records, report.journal_records) == (1, [], 0)


def test_writes_are_journaled_reads_are_not_and_other_writes_take_a_snapshot() -> None:
    for operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"):
        assert classify("dynamodb", _dynamodb(operation), b"") == "journal"
    for operation in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems", "DescribeTable"):
        assert classify("dynamodb", _dynamodb(operation), b"") is None
    assert classify("dynamodb", _dynamodb("CreateTable"), b"") == "snapshot"
    assert classify("s3", {"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket/dossiers/a/request.pdf"}, b"") == "journal"
    assert classify("s3", {"REQUEST_METHOD": "GET", "PATH_INFO": "/bucket/dossiers/a/request.pdf"}, b"") is None
    assert classify("s3", {"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket"}, b"") == "snapshot"
    sqs = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}
    assert classify("sqs", sqs, b"") is None  # the queue hooks journal what it changes
    assert classify("sqs", {**sqs, "HTTP_X_AMZ_TARGET": "AmazonSQS.CreateQueue"}, b"") == "snapshot"
    kms = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "TrentService.Sign"}
    assert classify("kms", kms, b"") is None
    assert classify("kms", {**kms, "HTTP_X_AMZ_TARGET": "TrentService.CreateKey"}, b"") == "snapshot"
    assert (
        classify("cloudformation", {"REQUEST_METHOD": "POST", "PATH_INFO": "/"}, b"Action=CreateStack&StackName=x")
        == "snapshot"
    )
    assert classify("cloudformation", {"REQUEST_METHOD": "POST", "PATH_INFO": "/"}, b"Action=DescribeStacks") is None
