"""The RFC 3161 client that stamps every slip: one kept-alive HTTP connection per thread.

Why not pyHanko's own (`pyhanko.sign.timestamps.HTTPTimeStamper`, aiohttp): each signature runs in an
event loop of its own, so that client opens a new session for every timestamp and loads the system's CA
file into a new TLS context for it; profiled on a warm worker that was 30-40 ms of CPU per slip, more
than the KMS signature, and a dossier's slips all go to the same TSA. `requests` keeps the connection
(and its TLS context) between slips. Like every outbound call of the project it follows no redirect.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from asn1crypto import tsp
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

__all__ = ["KeptAliveTimeStamper"]

CONTENT_TYPE = "application/timestamp-reply"


class KeptAliveTimeStamper(TimeStamper):
    """A TSA at `url`, asked over a `requests.Session` of the calling thread."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # Blocking inside the coroutine on purpose: the signature's loop has nothing else to run
        # meanwhile, and `asyncio.to_thread` would start a thread for every slip.
        try:
            reply = self._session().post(
                self.url, data=req.dump(), headers=set_tsp_headers({}), timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            self._local.session = None
            raise TimestampRequestError(f"the timestamp server cannot be reached: {type(exc).__name__}") from exc
        if reply.status_code != 200 or reply.headers.get("Content-Type") != CONTENT_TYPE:
            raise TimestampRequestError(
                f"the timestamp server answered {reply.status_code} {reply.headers.get('Content-Type')!r}"
            )
        response: Any = tsp.TimeStampResp.load(reply.content)
        return response
