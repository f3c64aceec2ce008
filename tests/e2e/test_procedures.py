"""Procedures and their bases end to end through the local stack, as `make run` starts it, over
HTTP: the public catalogue, a 2021 suspension judged by Decision 23, a 2021 loan reaching the
Social Policy Bank, a terminated worker of the demo registry refused because a benefit was decided,
and a pension pause whose unit does not meet its condition."""

from __future__ import annotations

import csv
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.portal import DemoPortal
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.e2e


def test_the_catalogue_is_public_and_lists_every_procedure_with_its_bases(stack: Any, http: requests.Session) -> None:
    reply = http.get(f"{stack.base}/v1/procedures", timeout=30)
    assert reply.status_code == 200
    bases = {p["code"]: [b["basis"] for b in p["bases"]] for p in reply.json()["items"]}
    assert bases["suspension_support"] == ["qd15_2020", "qd23_2021"]
    assert bases["work_stoppage_support"] == bases["recovery_wage_loan"] == ["qd23_2021"]
    spec = http.get(f"{stack.base}/v1/openapi.json", timeout=30).json()
    assert "/v1/procedures" in spec["paths"]
    finding = spec["components"]["schemas"]["Finding"]
    assert {"message", "message_en"} <= set(finding["required"])


def test_a_2021_suspension_and_a_2021_loan_follow_decision_23(stack: Any) -> None:
    portal = DemoPortal(stack, unit_rank=6)
    suspension = portal.submit(portal.workers(2, "2021-07-01", "2021-07-20"))
    done = portal.wait_for(suspension["id"], {"forwarded", "confirmed", "accepted"})
    assert done["basis"] == "qd23_2021" and [s["days"] for s in done["steps"]][:1] == [2]
    loan = portal.submit(
        portal.workers(1, "2021-09-01", "2021-09-30"), procedure="recovery_wage_loan", industry="lodging"
    )
    forwarded = portal.wait_for(loan["id"], {"forwarded"})
    assert forwarded["forwarded_to"] == "social_policy_bank"


def test_a_terminated_worker_with_a_benefit_decided_is_refused_with_the_reason(stack: Any) -> None:
    rows = list(csv.DictReader(open(stack.state_dir / "participants.csv", encoding="utf-8")))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["si_number"]] = counts.get(r["si_number"], 0) + 1
    person = next(
        r
        for r in rows
        if counts[r["si_number"]] == 1
        and r["participation_to"] == "2020-05"
        and r["ui_benefit_from"] == "2020-06"
        and len(r["id_number"]) == 12
    )
    headers = stack.token("portal")
    body = {
        "portal_code": f"G22.99-200610-{uuid.uuid4().hex[:6].upper()}",
        "procedure": "terminated_no_benefit",
        "applicant": {"name": person["full_name"], "province_code": "031"},
        "workers": [
            {
                "full_name": person["full_name"],
                "si_number": person["si_number"],
                "date_of_birth": person["date_of_birth"],
                "id_number": person["id_number"],
                "period_from": "2020-06-01",
                "period_to": "2020-06-30",
            }
        ],
    }
    created = requests.post(f"{stack.base}/v1/dossiers", json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    dossier_id = created.json()["id"]
    for name, component in (("mau07.pdf", "worker_request"), ("thoi_viec.pdf", "termination_paper")):
        put = requests.put(
            f"{stack.base}/v1/dossiers/{dossier_id}/attachments/{name}",
            params={"component": component},
            data=pdf_bytes("De nghi ho tro"),
            headers={**headers, "Content-Type": "application/pdf"},
            timeout=30,
        )
        assert put.status_code == 200, put.text
    assert (
        requests.post(f"{stack.base}/v1/dossiers/{dossier_id}/submit", headers=headers, timeout=30).status_code == 202
    )
    dossier = DemoPortal(stack, unit_rank=7).wait_for(dossier_id, {"rejected", "accepted", "needs_correction"})
    assert dossier["status"] == "rejected", dossier["findings"]
    assert dossier["findings"][0]["code"] == "entitled_to_benefit"
    assert "06/2020" in dossier["findings"][0]["message"]


def test_a_pension_pause_whose_unit_does_not_meet_the_condition_is_refused(stack: Any) -> None:
    portal = DemoPortal(stack, unit_rank=8)
    dossier = portal.submit(portal.workers(1), procedure="pension_pause")
    refused = portal.wait_for(dossier["id"], {"rejected", "accepted", "needs_correction"})
    assert refused["status"] == "rejected", refused["findings"]
    assert [f["code"] for f in refused["findings"]] == ["unit_condition_not_met"]
    # the finding in both languages, as the API's errors are (`message` Vietnamese, `message_en`)
    (condition,) = refused["findings"]
    assert "chưa đạt điều kiện từ 50%" in condition["message"]
    assert "short of the 50% required for the pause of contributions" in condition["message_en"], condition
