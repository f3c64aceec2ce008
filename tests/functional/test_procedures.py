"""Each procedure and basis through the checks and the workflow, against a real registry in the
emulator: the 2020 and the 2021 suspension, the 2021 stoppage support and loans, the terminated
worker who files alone (and is refused when entitled to unemployment benefit), the pension pause
and its unit-level condition, the household business BHXH does not receive, and `GET /v1/procedures`."""

from __future__ import annotations

import io
import json
import random
import uuid
from typing import Any

import pytest

from chalicelib.adapters.registry import registry
from chalicelib.adapters.store import store
from chalicelib.config import settings
from chalicelib.domain.registry import Participant, Period
from chalicelib.services import pipeline, workflow
from tests.functional.world import Fixture
from tests.helpers import pdf_bytes


def codes(dossier: dict[str, Any]) -> list[tuple[str, str | None, int | None]]:
    return [(f["code"], f["field"], f["row"]) for f in dossier["findings"]]


def slip_text(dossier_id: str, kind: str) -> str:
    from pypdf import PdfReader

    from chalicelib.adapters.blobs import slips

    ref = next(d for d in store().get(dossier_id).documents if d.kind == kind)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(slips().get(ref.key))).pages)


def confirm(world: Fixture, dossier_id: str) -> dict[str, Any]:
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
    return world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("portal")).json_body


def test_a_2021_suspension_is_judged_by_decision_23_and_a_2020_one_by_decision_15(world: Fixture) -> None:
    # 20 days in July 2021: under 2021's rule (15 consecutive days) enough; BHXH has 2 working days
    in_2021 = world.run(world.submit([world.worker(0, period_from="2021-07-01", period_to="2021-07-20")]))
    assert in_2021["status"] == "accepted", in_2021["findings"]
    assert [(s["body"], s["days"]) for s in in_2021["steps"]] == [("bhxh", 2)]
    assert in_2021["basis"] == "qd23_2021"
    # the same 20 days in April 2020: 2020's rule wants a whole month
    in_2020 = world.run(world.submit([world.worker(1, period_from="2020-04-01", period_to="2020-04-20")]))
    assert ("period_out_of_range", "period_to", 1) in codes(in_2020)
    assert "01 tháng liên tục" in in_2020["findings"][0]["message"]
    # ten days in 2021: under 15
    short = world.run(world.submit([world.worker(4, period_from="2021-08-01", period_to="2021-08-10")]))
    assert "15 ngày liên tục" in short["findings"][0]["message"] and "QĐ 23/2021" in short["findings"][0]["message"]


def test_a_period_outside_every_basis_is_a_finding_naming_the_bases(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0, period_from="2022-06-01", period_to="2022-07-31")]))
    assert dossier["status"] == "needs_correction"
    message = dossier["findings"][0]["message"]
    assert dossier["findings"][0]["code"] == "period_out_of_range"
    assert "mọi văn bản" in message and "QĐ 15/2020" in message and "QĐ 23/2021" in message


def test_work_stoppage_support_wants_14_working_days_in_a_month(world: Fixture) -> None:
    few = world.run(
        world.submit(
            [world.worker(0, period_from="2021-07-01", period_to="2021-07-12")], procedure="work_stoppage_support"
        )
    )
    assert few["findings"][0]["code"] == "period_out_of_range"
    assert "ngừng việc 8 ngày làm việc" in few["findings"][0]["message"]
    enough = world.run(
        world.submit(
            [world.worker(1, period_from="2021-07-01", period_to="2021-07-31")], procedure="work_stoppage_support"
        )
    )
    assert enough["status"] == "accepted", enough["findings"]
    assert confirm(world, enough["id"])["forwarded_to"] == "province"


def employer(world: Fixture, **fields: str) -> dict[str, str]:
    """The world's unit as the applicant, with `fields` added (an `industry`)."""
    u = world.unit
    return {"unit_code": u.unit_code, "tax_code": u.tax_code, "name": u.unit_name, "province_code": "031", **fields}


def test_a_work_stoppage_list_is_spoken_of_as_a_stoppage_not_a_suspension(world: Fixture) -> None:
    # GIVEN a work-stoppage dossier whose signed list ends the stoppage on another day than typed
    typed = world.worker(0, period_from="2021-07-01", period_to="2021-07-31")
    dossier = world.run(
        world.submit([typed], scan=[{**typed, "period_to": "2021-07-20"}], procedure="work_stoppage_support")
    )
    # THEN the finding names the column in the procedure's words, in both languages
    (found,) = [f for f in dossier["findings"] if f["code"] == "scan_mismatch"]
    assert found["field"] == "period_to"
    assert "đến ngày (ngừng việc) trong danh sách đã ký" in found["message"], found["message"]
    assert "the period end (work stoppage) in the signed list" in found["message_en"], found["message_en"]
    assert "tạm hoãn" not in found["message"]
    # AND the clerk's side-by-side view titles the period's columns so
    lists = world.api.http.get(
        f"/v1/dossiers/{dossier['id']}/worker-lists", headers=world.token("clerk", "031")
    ).json_body
    assert lists["titles"] == {"period_from": "Từ ngày (ngừng việc)", "period_to": "Đến ngày (ngừng việc)"}


@pytest.mark.parametrize("code", ["wage_loan", "recovery_wage_loan"])
def test_2021_loans_go_straight_to_the_social_policy_bank(world: Fixture, code: str) -> None:
    applicant = employer(world, industry="tourism") if code == "recovery_wage_loan" else None
    dossier = world.run(
        world.submit(
            [world.worker(0, period_from="2021-09-01", period_to="2021-09-30")], procedure=code, applicant=applicant
        )
    )
    assert dossier["status"] == "accepted", dossier["findings"]
    done = confirm(world, dossier["id"])
    assert done["status"] == "forwarded" and done["forwarded_to"] == "social_policy_bank"
    assert [s["body"] for s in done["steps"]] == ["bhxh", "social_policy_bank"]


@pytest.mark.parametrize(
    ("industry", "code", "vi", "en"),
    [
        (None, "industry_missing", "chưa ghi ngành, nghề", "does not give the employer's industry"),
        ("agriculture", "industry_not_eligible", "«agriculture» không thuộc các ngành", "“agriculture” is not one"),
    ],
)
def test_a_recovery_loan_of_an_employer_outside_its_first_industries_is_a_finding(
    world: Fixture, industry: str | None, code: str, vi: str, en: str
) -> None:
    # GIVEN an employer whose dossier gives no industry, or one the loan's data does not list
    applicant = employer(world, **({"industry": industry} if industry else {}))
    dossier = world.run(
        world.submit(
            [world.worker(0, period_from="2021-09-01", period_to="2021-09-30")],
            procedure="recovery_wage_loan",
            applicant=applicant,
        )
    )
    # THEN it is asked to correct it, told in both languages which industries the loan is for
    assert dossier["status"] == "needs_correction", dossier["findings"]
    (found,) = dossier["findings"]
    assert (found["code"], found["field"]) == (code, "applicant.industry")
    assert vi in found["message"] and "Du lịch; Dịch vụ lưu trú" in found["message"]
    assert en in found["message_en"] and "Tourism; Lodging services" in found["message_en"]
    assert "QĐ 23/2021" in found["message"]


def test_the_recovery_loans_bad_debt_rule_is_the_banks_to_check_and_listed_as_such(world: Fixture) -> None:
    items = {p["code"]: p for p in world.api.http.get("/v1/procedures").json_body["items"]}
    (basis,) = items["recovery_wage_loan"]["bases"]
    rules = {r["name"]: r for r in basis["rules"]}
    debt = rules["rules.external.no_bad_debt"]
    assert (debt["checked_by"], debt["checked_by_name"], debt["confirmed"]) == (
        "social_policy_bank",
        "Ngân hàng Chính sách xã hội",
        True,
    )
    assert debt["value"]["text_en"] == "The employer has no bad debt with credit institutions"
    industries = rules["rules.industries"]
    assert industries["checked_by"] == "bhxh" and industries["confirmed"] is False and industries["to_confirm"]
    assert [i["code"] for i in industries["value"]["allowed"]] == [
        "air_transport",
        "transport",
        "tourism",
        "lodging",
        "labour_export",
    ]
    assert rules["rules.window"]["checked_by"] == "bhxh"


# -- the terminated worker, who files for themselves ---------------------------------------------------
def _terminated(world: Fixture, periods: tuple[Period, ...], benefit: str | None = None) -> Participant:
    person = Participant(
        f"{random.randrange(10**9, 9 * 10**9):010d}",
        "Hoàng Thị Mai",
        "1993-03-03",
        "031193004321",
        world.unit.unit_code,
        periods,
        benefit,
    )
    registry().put_participants([person])
    return person


def _file_as_worker(world: Fixture, person: Participant, ended: str = "2021-07-01", **applicant: str) -> Any:
    body = {
        "portal_code": f"G22.99-210705-{uuid.uuid4().hex[:8]}",
        "procedure": "terminated_no_benefit",
        "applicant": {"name": person.full_name, "province_code": "031", **applicant},
        "workers": [
            {
                "full_name": person.full_name,
                "si_number": person.si_number,
                "date_of_birth": person.date_of_birth,
                "id_number": person.id_number,
                "period_from": ended,
                "period_to": "2021-07-31",
            }
        ],
    }
    return world.api.http.post(
        "/v1/dossiers", headers={**world.token("portal"), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def _attach_and_run(world: Fixture, dossier_id: str) -> dict[str, Any]:
    portal = world.token("portal")
    for name, component in (("mau07.pdf", "worker_request"), ("quyet_dinh.pdf", "termination_paper")):
        reply = world.api.http.put(
            f"/v1/dossiers/{dossier_id}/attachments/{name}?component={component}",
            headers={**portal, "Content-Type": "application/pdf"},
            body=pdf_bytes("De nghi ho tro nguoi lao dong cham dut hop dong lao dong"),
        )
        assert reply.status_code == 200, reply.json_body
    assert world.api.http.post(f"/v1/dossiers/{dossier_id}/submit", headers=portal).status_code == 202
    return world.run(dossier_id)


def test_a_terminated_worker_without_benefit_files_alone_and_reaches_the_labour_department(world: Fixture) -> None:
    # 8 months of unemployment insurance before the end of the contract: not entitled to the benefit
    person = _terminated(world, (Period(world.unit.unit_code, "2020-11", "2021-06", True),))
    created = _file_as_worker(world, person)
    assert created.status_code == 201, created.json_body
    dossier = _attach_and_run(world, created.json_body["id"])
    # no PAdES signature asked of a citizen: the portal's authentication stands in, and is recorded
    assert dossier["status"] == "accepted", dossier["findings"]
    assert {a["signature"]["method"] for a in dossier["attachments"]} == {"portal_authentication"}
    done = confirm(world, dossier["id"])
    assert done["forwarded_to"] == "labour_department"
    assert [d["kind"] for d in done["documents"]].count("confirmation") == 1
    # BHXH's confirmation names the worker as the party and says what it confirms for this procedure
    text = " ".join(slip_text(dossier["id"], "confirmation").split())
    assert "Người lao động: Hoàng Thị Mai" in text and "Đơn vị sử dụng lao động" not in text
    assert "tham gia bảo hiểm thất nghiệp và không đủ điều kiện hưởng trợ cấp thất nghiệp" in text


def test_a_terminated_worker_entitled_to_unemployment_benefit_is_refused_with_the_reason(world: Fixture) -> None:
    # 30 months of unemployment insurance: entitled to the benefit, so not this procedure's
    person = _terminated(world, (Period(world.unit.unit_code, "2019-01", "2021-06", True),))
    dossier = _attach_and_run(world, _file_as_worker(world, person).json_body["id"])
    assert dossier["status"] == "rejected"
    (finding,) = dossier["findings"]
    assert finding["code"] == "entitled_to_benefit"
    assert "24 tháng trước khi chấm dứt hợp đồng lao động" in finding["message"]
    assert "đủ điều kiện hưởng trợ cấp thất nghiệp" in finding["message"]
    assert [d["kind"] for d in dossier["documents"]] == ["refusal"]
    # a benefit already decided is the other way to be entitled
    decided = _terminated(world, (Period(world.unit.unit_code, "2021-01", "2021-06", True),), benefit="2021-07")
    again = _attach_and_run(world, _file_as_worker(world, decided).json_body["id"])
    assert again["status"] == "rejected" and "quyết định hưởng trợ cấp thất nghiệp" in again["findings"][0]["message"]


def test_a_worker_dossier_with_an_employers_fields_is_a_clear_422(world: Fixture) -> None:
    person = _terminated(world, (Period(world.unit.unit_code, "2021-01", "2021-06", True),))
    reply = _file_as_worker(world, person, unit_code=world.unit.unit_code)
    assert reply.status_code == 422
    assert reply.json_body["error"]["code"] == "worker_with_employer_fields"
    assert "CCCD" in reply.json_body["error"]["message"]


# -- the pension pause, which BHXH decides itself ---------------------------------------------------------
def test_a_pension_pause_failing_the_unit_condition_is_refused(world: Fixture) -> None:
    # the unit has 4 workers insured in March 2020 (rows 0, 1, 4, 5); one off is 25 %, under 50 %
    dossier = world.run(world.submit([world.worker(0)], procedure="pension_pause"))
    assert dossier["status"] == "rejected"
    assert codes(dossier) == [("unit_condition_not_met", "workers", None)]
    assert "1/4" in dossier["findings"][0]["message"] and "50%" in dossier["findings"][0]["message"]


def test_a_pension_pause_meeting_it_is_decided_by_bhxh_without_an_amount(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0), world.worker(1)], procedure="pension_pause"))
    assert dossier["status"] == "accepted", dossier["findings"]
    done = confirm(world, dossier["id"])
    assert done["status"] == "confirmed" and done["forwarded_to"] is None
    clerk = {**world.token("clerk", "031"), "Content-Type": "application/json"}
    url = f"/v1/dossiers/{dossier['id']}/decision"
    with_amount = world.api.http.post(url, headers=clerk, body=json.dumps({"result": "approved", "amount": 5}))
    assert with_amount.status_code == 422 and with_amount.json_body["error"]["code"] == "amount_not_applicable"
    decided = world.api.http.post(url, headers=clerk, body=json.dumps({"result": "approved"}))
    assert decided.status_code == 200 and decided.json_body["status"] == "decided"
    # BHXH's own decision: a signed slip of its own kind and number, with no amount
    assert [d["kind"] for d in decided.json_body["documents"]].count("decision") == 1
    text = " ".join(slip_text(dossier["id"], "decision").split())
    assert "QUYẾT ĐỊNH" in text and "tạm dừng đóng vào quỹ hưu trí và tử tuất" in text
    assert "Quyết định số 15/2020/QĐ-TTg" in text and "đồng" not in text.replace("Đồng ý", "")


# -- the household business, filed at the commune -------------------------------------------------------
def _household(world: Fixture) -> Any:
    body = {
        "portal_code": f"G22.99-200505-{uuid.uuid4().hex[:8]}",
        "procedure": "household_business",
        "applicant": {"name": "Hộ kinh doanh Nguyễn Văn An", "province_code": "031"},
    }
    return world.api.http.post(
        "/v1/dossiers", headers={**world.token("portal"), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def test_a_household_business_is_refused_saying_where_it_is_filed(world: Fixture) -> None:
    reply = _household(world)
    assert reply.status_code == 422
    error = reply.json_body["error"]
    assert error["code"] == "not_received_here"
    assert "Ủy ban nhân dân cấp xã" in error["message"]


def test_an_office_that_receives_household_businesses_takes_them(
    world: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_HOUSEHOLD_OFFICES", "031")
    settings.cache_clear()  # read again, as a cold start with this environment would
    assert _household(world).status_code == 201


# -- the catalogue ------------------------------------------------------------------------------------------
def test_the_procedures_are_listed_publicly_with_their_bases(world: Fixture) -> None:
    reply = world.api.http.get("/v1/procedures")
    assert reply.status_code == 200
    items = {p["code"]: p for p in reply.json_body["items"]}
    assert set(items) >= {
        "suspension_support",
        "work_stoppage_support",
        "wage_loan",
        "recovery_wage_loan",
        "pension_pause",
        "terminated_no_benefit",
        "household_business",
    }
    suspension = {b["basis"]: b for b in items["suspension_support"]["bases"]}
    assert (suspension["qd15_2020"]["bhxh_days"], suspension["qd23_2021"]["bhxh_days"]) == (3, 2)
    assert [s["body"] for s in suspension["qd15_2020"]["steps"]] == ["bhxh", "district", "province"]
    worker = items["terminated_no_benefit"]
    assert worker["submitted_by"] == "worker"
    assert {c["code"]: c["signed"] for c in worker["bases"][-1]["components"]}["worker_request"] is False
    assert items["household_business"]["filed_at"]["en"].startswith("Household businesses file at the commune")
    rules = {r["name"]: r for r in suspension["qd23_2021"]["rules"]}
    assert rules["rules.min_consecutive_days"]["value"] == {"value": 15}
    assert rules["rules.min_consecutive_days"]["confirmed"] is True
