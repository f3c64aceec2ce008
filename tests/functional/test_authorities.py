"""Authorities are principals of their own kind: each sees and decides only what is forwarded to its
own body, a clerk records a decision only for a body with no online channel, and the decision is
whole in the audit log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.audit import audit_log
from chalicelib.config import settings
from chalicelib.services import pipeline, workflow
from tests.functional.world import Fixture

JSON = {"Content-Type": "application/json"}


def forwarded(world: Fixture) -> dict[str, Any]:
    dossier_id = world.run(world.submit([world.worker(0)]))["id"]
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
    dossier = world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("clerk", "031")).json_body
    assert dossier["status"] == "forwarded" and dossier["history"][-1]["note"]["params"]["authority"] == "province"
    return dossier


def test_an_authority_sees_and_decides_only_what_is_forwarded_to_its_own_body(world: Fixture) -> None:
    dossier = forwarded(world)  # to the province's People's Committee
    province, bank = (
        world.token("authority", "031", authority="province"),
        world.token("authority", "031", authority="social_policy_bank"),
    )
    # THEN the Social Policy Bank of the same office neither sees it, nor finds it in its inbox, nor decides it
    assert world.api.http.get(f"/v1/dossiers/{dossier['id']}", headers=bank).status_code == 403
    assert dossier["id"] not in [i["id"] for i in world.api.http.get("/v1/dossiers", headers=bank).json_body["items"]]
    refused = world.api.http.post(
        f"/v1/dossiers/{dossier['id']}/decision", headers={**bank, **JSON}, body='{"result": "approved"}'
    )
    assert refused.status_code == 403
    # AND the province does, and its decision is whole in the audit entry (result, amount, note)
    assert dossier["id"] in [i["id"] for i in world.api.http.get("/v1/dossiers", headers=province).json_body["items"]]
    decided = world.api.http.post(
        f"/v1/dossiers/{dossier['id']}/decision",
        headers={**province, **JSON},
        body=json.dumps({"result": "approved", "amount": 3710000, "note": "Quyết định 1234/QĐ-UBND"}),
    )
    assert decided.status_code == 200 and decided.json_body["status"] == "decided"
    entry = next(e for e in audit_log().entries(dossier["id"]) if e.what == "status:decided")
    detail = json.loads(entry.detail)
    assert detail["params"] == {"result": "approved", "amount": "3710000.0", "note": "Quyết định 1234/QĐ-UBND"}
    assert entry.by.startswith("authority/province:031:")


def test_a_clerk_records_a_decision_only_for_a_body_without_an_online_channel(
    world: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = {**world.token("clerk", "031"), **JSON}
    # GIVEN a forwarded dossier whose authority answers through its own online system
    dossier = forwarded(world)
    monkeypatch.setenv("MOTCUA_AUTHORITY_URLS", json.dumps({"province": "https://ubnd.example.vn/motcua"}))
    monkeypatch.setenv("MOTCUA_AUTHORITY_SECRET", "s")
    settings.cache_clear()
    # THEN the clerk is not offered the decision, and is refused it with the reason
    seen = world.api.http.get(f"/v1/dossiers/{dossier['id']}", headers=clerk).json_body
    assert "decide" not in seen["actions"]
    refused = world.api.http.post(
        f"/v1/dossiers/{dossier['id']}/decision", headers=clerk, body='{"result": "approved"}'
    )
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "decided_online"
    # AND where the body has no online channel, the clerk records it on its behalf
    monkeypatch.delenv("MOTCUA_AUTHORITY_URLS")
    settings.cache_clear()
    assert "decide" in world.api.http.get(f"/v1/dossiers/{dossier['id']}", headers=clerk).json_body["actions"]
    assert (
        world.api.http.post(
            f"/v1/dossiers/{dossier['id']}/decision", headers=clerk, body='{"result": "denied"}'
        ).status_code
        == 200
    )
