"""boto3 clients, made once per process from the environment.

Locally the standard `AWS_ENDPOINT_URL` points every client at the emulator; in Lambda nothing is
set and boto3 finds AWS. This is the only place that creates clients, so tracing is patched once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

from chalicelib import tracing
from chalicelib.config import settings

__all__ = ["client", "query_items", "resource"]

_lock = threading.Lock()


@cache
def _session() -> Any:
    import boto3

    tracing.patch_aws_sdk()
    return boto3.session.Session(region_name=settings().region)


def _config() -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=32, connect_timeout=5, read_timeout=30
    )


@cache
def client(service: str) -> Any:
    with _lock:  # boto3 sessions are not thread-safe while they create clients
        return _session().client(service, config=_config())


@cache
def resource(service: str) -> Any:
    with _lock:
        return _session().resource(service, config=_config())


def query_items(db: Any, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a DynamoDB query matches, over all its pages (boto3's paginator)."""
    for page in db.get_paginator("query").paginate(**query):
        yield from page.get("Items", [])
