"""X-Ray tracing that costs nothing where it is off.

aws_xray_sdk takes about half a second to import, so it is loaded only inside Lambda with tracing
enabled; the local stack and the tests never import it (and so never print "missing segment").
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache

__all__ = ["enabled", "patch_aws_sdk", "subsegment"]


@lru_cache(maxsize=1)
def enabled() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and os.environ.get(
        "AWS_XRAY_SDK_ENABLED", "true"
    ).lower() not in ("false", "0")


@lru_cache(maxsize=1)
def patch_aws_sdk() -> None:
    """Trace every boto3 call; called once, by the first AWS client made."""
    if enabled():
        from aws_xray_sdk.core import patch, xray_recorder

        xray_recorder.configure(context_missing="LOG_ERROR")
        patch(["boto3", "requests"])


def subsegment(name: str) -> AbstractContextManager:
    """A named part of a handler in the trace (no personal data in `name`)."""
    if not enabled():
        return nullcontext()
    from aws_xray_sdk.core import xray_recorder

    return xray_recorder.in_subsegment(name)
