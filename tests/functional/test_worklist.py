"""A clerk's worklist: their office only, filtered, paginated."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.helpers import dossier_body, fresh_office


def test_worklist_pages_through_the_office_newest_first_and_filters_by_status(
    api: Any, token: Callable[..., dict[str, str]]
) -> None:
    # GIVEN five dossiers of an office of their own, two of them submitted, and one of another office
    office = fresh_office()
    portal = {**token("portal"), "Content-Type": "application/json"}
    ids = []
    for _ in range(5):
        body = dossier_body(applicant={**dossier_body()["applicant"], "province_code": office})
        ids.append(api.http.post("/v1/dossiers", headers=portal, body=json.dumps(body)).json_body["id"])
    for dossier_id in ids[:2]:
        assert api.http.post(f"/v1/dossiers/{dossier_id}/submit", headers=token("portal")).status_code == 202
    stranger = dossier_body(
        applicant={**dossier_body()["applicant"], "province_code": "01" if office != "01" else "02"}
    )
    api.http.post("/v1/dossiers", headers=portal, body=json.dumps(stranger))
    clerk = token("clerk", office)

    # WHEN the clerk reads the list two at a time
    seen, cursor, pages = [], None, 0
    while True:
        reply = api.http.get("/v1/dossiers?limit=2" + (f"&next={cursor}" if cursor else ""), headers=clerk).json_body
        seen += [item["id"] for item in reply["items"]]
        pages += 1
        cursor = reply["next"]
        if not cursor:
            break

    # THEN every dossier of the office appears once, newest first, and nothing else
    assert seen == list(reversed(ids))
    assert pages == 3
    submitted = api.http.get("/v1/dossiers?status=submitted", headers=clerk).json_body["items"]
    assert sorted(item["id"] for item in submitted) == sorted(ids[:2])
    assert {item["status"] for item in submitted} == {"submitted"}
    assert api.http.get("/v1/dossiers?overdue=true", headers=clerk).json_body["items"] == []


def test_worklist_refuses_bad_parameters(api: Any, token: Callable[..., dict[str, str]]) -> None:
    clerk = token("clerk", "031")
    for query, code in (
        ("status=lost", "invalid_status"),
        ("limit=0", "invalid_limit"),
        ("overdue=maybe", "invalid_overdue"),
        ("next=%%%", "invalid_cursor"),
    ):
        reply = api.http.get(f"/v1/dossiers?{query}", headers=clerk)
        assert (reply.status_code, reply.json_body["error"]["code"]) == (422, code), query
