"""Structured JSON logs with no personal data in them.

Handlers log identifiers (dossier id, portal code), statuses and finding codes, never names, dates
of birth, SI or ID numbers. As a second line of defence every record is scrubbed of digit runs that
look like SI (10), CMND (9) or CCCD (12) numbers before it is written.
"""
from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache
from typing import IO, Any, cast

__all__ = ["logger", "redact"]

_IDENTIFIER = re.compile(r"(?<![0-9])([0-9]{9,12})(?![0-9])")
_OPAQUE_ID = re.compile(r"[0-9a-f]{32}")
"""A dossier id (a uuid4 in hex) may hold a run of digits by chance; it carries nothing personal
and must stay searchable, so a field that is exactly one is left whole."""


def redact(text: str) -> str:
    return _IDENTIFIER.sub(lambda m: "#" * len(m.group(1)), text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in logging.LogRecord.__dict__ and isinstance(value, str) and key != "msg" and not _OPAQUE_ID.fullmatch(value):
                setattr(record, key, redact(value))
        return True


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is now (Lambda's, or a test's capture), not the one at start."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    # Not "motcua": that is Chalice's own app logger, and sharing it would print every line twice.
    log = Logger(service="motcua-core", stream=cast(IO[str], _CurrentStdout()))
    log.registered_handler.addFilter(_RedactingFilter())
    return log
