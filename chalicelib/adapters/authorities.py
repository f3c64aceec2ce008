"""Handing a dossier to the authority that decides (UBND of the province, the Social Policy Bank).

An authority with an online endpoint gets an HTTPS POST of the dossier, signed with its own key
(HMAC-SHA256 over timestamp, nonce and body: `chalicelib.adapters.signed_http`), keyed for idempotency
on the dossier id, retried with back-off, redirects not followed. An authority without one (and
every authority in the local stage) works from its inbox: the forwarded dossiers of its office in
`GET /v1/dossiers`, deciding through `POST /v1/dossiers/{id}/decision`, as the national portal
allows for provinces that cannot receive online.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from chalicelib.adapters import signed_http
from chalicelib.adapters.secrets import authority_secret
from chalicelib.config import settings
from chalicelib.domain.dossier import Dossier

__all__ = ["AUTHORITY_NAMES", "deliver", "endpoints"]

AUTHORITY_NAMES = {
    "province": "Ủy ban nhân dân cấp tỉnh",
    "social_policy_bank": "Ngân hàng Chính sách xã hội",
    "labour_department": "Sở Lao động - Thương binh và Xã hội",
}
"""The deciding bodies the procedure files name in `forwarded_to` (`chalicelib/procedures`)."""


@lru_cache(maxsize=1)
def endpoints() -> dict[str, str]:
    """`MOTCUA_AUTHORITY_URLS`: JSON `{"province": "https://...", ...}`; empty means inboxes only."""
    return dict(settings().authority_urls)


def _session() -> Any:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=6,
        backoff_factor=settings().authority_backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def _own_deadline(dossier: Dossier) -> dict[str, object] | None:
    """The receiving authority's own step: its working days, its deadline, and their source."""
    step = next((s for s in reversed(dossier.steps) if s.is_open and s.body != "bhxh"), None)
    if step is None:
        return None
    return {"body": step.body, "days": step.days, "due": step.due.isoformat(), "source": step.source}


def _payload(dossier: Dossier) -> bytes:
    return json.dumps(
        {
            "dossier_id": dossier.id,
            "portal_code": dossier.portal_code,
            "procedure": dossier.procedure,
            "applicant": dossier.applicant.model_dump(mode="json"),
            "workers": [w.model_dump(mode="json") for w in dossier.workers],
            "documents": [{"kind": d.kind, "number": d.number} for d in dossier.documents],
            "due_date": dossier.due_date.isoformat() if dossier.due_date else None,
            "deadline": _own_deadline(dossier),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


def deliver(dossier: Dossier, authority: str) -> str:
    """Send the dossier to `authority`; answers how (`inbox` or the endpoint's host). Raises when
    the endpoint still fails after its retries, so the queue tries again later."""
    url = endpoints().get(authority)
    if not url:
        return "inbox"
    body = _payload(dossier)
    reply = signed_http.post(
        url,
        body,
        authority_secret(authority),  # this authority's own key
        headers={"Idempotency-Key": dossier.id},
        timeout=(5, 30),
        session=_session(),
    )
    if reply.status_code >= 300:
        raise RuntimeError(f"authority {authority} answered {reply.status_code}")
    return url.split("/")[2]
