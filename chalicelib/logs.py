"""Structured JSON logs with no personal data in them.

Handlers log identifiers (dossier id, portal code), statuses and finding codes, never names, dates
of birth, SI or ID numbers. As a second line of defence the formatter scrubs every line it writes,
whole (the message, the extras however nested, the exception's text and its stack trace): digit
runs that look like SI (10), CMND (9) or CCCD (12) numbers, and the names and dates of birth of the
dossier at hand (`hide`), wherever they appear.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any, cast

__all__ = ["hide", "hide_from_now", "logger", "redact"]

_IDENTIFIER = re.compile(r"(?<![0-9a-f])([0-9a-f]{32})(?![0-9a-f])|(?<![0-9])([0-9]{9,12})(?![0-9])")
"""A dossier id (a uuid4 in hex) may hold a run of digits by chance; it carries nothing personal
and must stay searchable, so a 32-hex token is left whole, and any other run of 9 to 12 digits goes."""
_OPAQUE_ID = re.compile(r"[0-9a-f]{32}")
_HIDDEN: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("motcua_hidden", default=())


def redact(text: str) -> str:
    """`text` without ID-like digit runs, and without the personal values `hide` named."""
    text = _IDENTIFIER.sub(lambda m: m.group(1) or "#" * len(m.group(2)), text)
    for value in _HIDDEN.get():
        if value in text:
            text = text.replace(value, "«…»")
    return text


def hide_from_now(values: Iterable[str]) -> None:
    """As `hide`, for the rest of the current context: the app runs each request and each queue
    record in a context of its own (`contextvars.copy_context().run`), which this then ends with."""
    _HIDDEN.set(_forms(values) + _HIDDEN.get())


def _forms(values: Iterable[str]) -> tuple[str, ...]:
    forms: set[str] = set()
    for value in values:
        if value and len(value) >= 4:
            forms |= {value, unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value), value.upper()}
    return tuple(sorted(forms, key=len, reverse=True))


@contextmanager
def hide(values: Iterable[str]) -> Iterator[None]:
    """While the block runs, these values (a dossier's names, its dates of birth in the forms they
    are written) are taken out of every log line, in whatever field or traceback they turn up."""
    token = _HIDDEN.set(_forms(values) + _HIDDEN.get())
    try:
        yield
    finally:
        _HIDDEN.reset(token)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(vars(record).items()):
            if (
                key not in logging.LogRecord.__dict__
                and isinstance(value, str)
                and key != "msg"
                and not _OPAQUE_ID.fullmatch(value)
            ):
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
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class RedactingFormatter(LambdaPowertoolsFormatter):
        """The whole JSON line, scrubbed: what no filter of the record's fields can reach (the
        exception's text, its stack, containers nested in extras) is in it too."""

        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    # Not "motcua": that is Chalice's own app logger, and sharing it would print every line twice.
    log = Logger(service="motcua-core", stream=cast(IO[str], _CurrentStdout()), logger_formatter=RedactingFormatter())
    log.registered_handler.addFilter(_RedactingFilter())
    return log
