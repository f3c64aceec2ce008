"""Deadlines as the law counts them, through the running services: the clock restarted by a
correction, each body's step against its own deadline, apologies in the name of the body that is
late (once), the control slip's rows after each hand-over, and the figures per body.

The dossier goes through May 2020 on a clock the test sets (`chalicelib.domain.dossier.clock`). With
``MOTCUA_SCENARIO_OUT=<dir>`` the scenario of a dossier corrected once and then delayed by the
authority also writes its receipt, control slip and apology as PDFs there (`docs/slips/make.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.blobs import slips as slips_bucket
from chalicelib.adapters.store import store
from chalicelib.domain import dossier as dossier_module
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.local.employer import sign_as_employer
from chalicelib.services import pipeline, workflow
from tests.functional.world import Fixture
from tests.helpers import pdf_bytes
from tests.scans.generate import Document, render_pdf
from tests.scans.generate import Worker as ScanWorker


class Clock:
    """The moment every service records, set by the test."""

    def __init__(self) -> None:
        self.now = datetime(2020, 5, 8, 9, 10, tzinfo=VIETNAM_TZ)

    def set(self, *args: int) -> None:
        self.now = datetime(*args, tzinfo=VIETNAM_TZ)  # type: ignore[misc]

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(dossier_module, "clock", c)
    yield c


def view(world: Fixture, dossier_id: str) -> dict[str, Any]:
    return world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("clerk", "031")).json_body


def post(world: Fixture, path: str, body: Any, role: str = "authority") -> Any:
    return world.api.http.post(
        path, headers={**world.token(role, "031"), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def worker_list(world: Fixture, workers: list[dict[str, str]]) -> bytes:
    return render_pdf(
        Document(world.unit.unit_code, world.unit.tax_code, world.unit.unit_name, [ScanWorker(**w) for w in workers])
    )


def slip_text(dossier_id: str, kind: str, out: Path) -> str:
    """The text of the latest slip of ``kind`` (its PDF kept at ``out``)."""
    ref = [d for d in store().get(dossier_id).documents if d.kind == kind][-1]
    out.write_bytes(slips_bucket().get(ref.key))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def rows(dossier_id: str) -> list[tuple[str, str, str | None, str | None]]:
    """The control slip's rows as it stands: (giver, receiver, due, outcome)."""
    from chalicelib.domain.control import control_rows

    return [
        (r["giver"], r["receiver"], r["due"].isoformat() if r["due"] else None, r["outcome"])
        for r in control_rows(store().get(dossier_id))
    ]


HP = "Bảo hiểm xã hội thành phố Hải Phòng"
UBND = "Ủy ban nhân dân thành phố Hải Phòng"
DESK = "Bộ phận tiếp nhận và trả kết quả"
APPLICANT = "Tổ chức, cá nhân nộp hồ sơ (qua Cổng Dịch vụ công quốc gia)"


def accepted_on(world: Fixture, clock: Clock, *moment: int) -> str:
    clock.set(*moment)
    dossier_id = world.submit([world.worker(0), world.worker(1)])
    dossier = world.run(dossier_id)
    assert dossier["status"] == "accepted", dossier["findings"]
    return dossier_id


def figures(world: Fixture) -> dict[tuple[str, str], dict[str, int]]:
    stats = world.api.http.get("/v1/stats", headers=world.token("clerk", "031")).json_body
    return {(r["body"], r["week"]): r for r in stats["rows"] if r["procedure"] == "suspension_support"}


def added(
    before: dict[tuple[str, str], dict[str, int]], after: dict[tuple[str, str], dict[str, int]], key: tuple[str, str]
) -> dict[str, int]:
    zero = {"received": 0, "on_time": 0, "late": 0, "open": 0, "apologies": 0, "escalated": 0}
    return {k: after.get(key, zero)[k] - before.get(key, zero)[k] for k in zero}


def test_a_dossier_corrected_once_then_delayed_by_the_authority(world: Fixture, clock: Clock, tmp_path: Path) -> None:
    out = Path(os.environ.get("MOTCUA_SCENARIO_OUT") or tmp_path)
    before = figures(world)
    workers = [world.worker(0), world.worker(1)]
    # GIVEN a request without its list of workers, submitted Friday 8/5/2020 at 09:10
    clock.set(2020, 5, 8, 9, 10)
    signed = sign_as_employer(pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong"), world.employer)
    applicant = {
        "unit_code": world.unit.unit_code,
        "tax_code": world.unit.tax_code,
        "name": world.unit.unit_name,
        "province_code": "031",
        "address": "Số 12 đường Lê Hồng Phong, phường Đông Khê, quận Ngô Quyền, thành phố Hải Phòng",
        "phone": "0225 3823 456",
        "email": "nhansu@detmayhungyen.vn",
    }
    dossier_id = world.submit(workers, applicant=applicant, attachments={"request.pdf": signed})
    first = world.run(dossier_id)
    assert first["status"] == "needs_correction" and "missing_attachment" in {f["code"] for f in first["findings"]}
    # WHEN the employer adds the list and submits again on Tuesday 12/5/2020 at 09:42
    clock.set(2020, 5, 12, 9, 42)
    portal = world.token("portal")
    assert (
        world.api.http.put(
            f"/v1/dossiers/{dossier_id}/attachments/worker_list.pdf",
            headers={**portal, "Content-Type": "application/pdf"},
            body=worker_list(world, workers),
        ).status_code
        == 200
    )
    assert world.api.http.post(f"/v1/dossiers/{dossier_id}/submit", headers=portal).status_code == 202
    pipeline.extract_step(pipeline.StepMessage(dossier_id, "extract", 2))
    pipeline.check_step(pipeline.StepMessage(dossier_id, "check", 2))
    dossier = view(world, dossier_id)
    # THEN the clock started again at the corrected submission: the history shows it stopped and started
    assert dossier["status"] == "accepted"
    assert dossier["received_at"] == "2020-05-12T02:42:00Z"
    assert [(h["status"], h["clock"]) for h in dossier["history"] if h["clock"]] == [
        ("submitted", "started"),
        ("needs_correction", "stopped"),
        ("submitted", "started"),
    ]
    # AND BHXH has 3 working days (Fri 15/5), the applicant gets the result after the district's 3 and
    # the province's 2: Fri 22/5 (13, 14, 15, 18, 19, 20, 21, 22)
    assert (dossier["bhxh_due_date"], dossier["due_date"]) == ("2020-05-15", "2020-05-22")
    assert [(s["body"], s["days"], s["due"]) for s in dossier["steps"]] == [("bhxh", 3, "2020-05-15")]
    receipt = slip_text(dossier_id, "receipt", out / "receipt.pdf")
    assert (
        "ngày 22 tháng 05 năm 2020" in receipt
        and "ngày 15 tháng 05 năm 2020" in receipt
        and "8 ngày làm việc" in receipt
    )
    assert rows(dossier_id) == [
        (APPLICANT, f"{DESK}, {HP}", None, None),
        (f"{DESK}, {HP}", APPLICANT, None, None),
        (APPLICANT, f"{DESK}, {HP}", None, None),
        (DESK, f"{HP} (bộ phận giải quyết)", None, None),
        (HP, "", "2020-05-15", None),
    ]
    # WHEN BHXH confirms and forwards on Wednesday 13/5 at 10:00
    clock.set(2020, 5, 13, 10, 0)
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm", 2))
    dossier = view(world, dossier_id)
    # THEN BHXH's step ended ahead of its deadline; the province's runs 5 working days from 13/5: Wed 20/5
    assert [(s["body"], s["due"], s["outcome"]) for s in dossier["steps"]] == [
        ("bhxh", "2020-05-15", "ahead"),
        ("province", "2020-05-20", None),
    ]
    assert rows(dossier_id)[-2:] == [(HP, UBND, "2020-05-15", "ahead"), (UBND, "", "2020-05-20", None)]
    # WHEN the sweep runs before the last day the province could apologise, nothing happens
    assert workflow.sweep_deadlines(date(2020, 5, 18)) == 0 or view(world, dossier_id)["overdue"] is False
    assert view(world, dossier_id)["overdue"] is False
    # WHEN the province says on Tuesday 19/5 (the working day before its deadline) it needs 3 more days
    clock.set(2020, 5, 19, 15, 0)
    reason = "Sở Lao động - Thương binh và Xã hội đang thẩm định danh sách người lao động của nhiều doanh nghiệp."
    assert post(world, f"/v1/dossiers/{dossier_id}/delay", {"reason": "x"}).status_code == 422
    assert post(world, f"/v1/dossiers/{dossier_id}/delay", {"reason": reason, "days": 3}).status_code == 200
    dossier = view(world, dossier_id)
    # THEN one apology, in the province's name, with its reason; the appointment moves once to Mon 25/5
    assert [d["kind"] for d in dossier["documents"]].count("apology") == 1
    assert (dossier["original_due_date"], dossier["due_date"], dossier["overdue"]) == ("2020-05-22", "2020-05-25", True)
    assert dossier["steps"][1]["moved_to"] == "2020-05-25" and dossier["steps"][1]["delay_reason"] == reason
    apology = slip_text(dossier_id, "apology", out / "apology.pdf")
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in apology and "BẢO HIỂM XÃ HỘI THÀNH PHỐ HẢI PHÒNG" not in apology
    assert (
        "thẩm định danh sách" in apology
        and "ngày 25 tháng 05 năm 2020" in apology
        and "ngày 22 tháng 05 năm 2020" in apology
    )
    # AND asking again, or the sweep, gives no second apology
    assert post(world, f"/v1/dossiers/{dossier_id}/delay", {"reason": reason + " Thêm", "days": 5}).status_code == 200
    workflow.sweep_deadlines(date(2020, 5, 19))
    assert [d["kind"] for d in view(world, dossier_id)["documents"]].count("apology") == 1
    # WHEN the province decides on Monday 25/5 at 14:00 and the desk returns the result at 16:00
    clock.set(2020, 5, 25, 14, 0)
    assert (
        post(world, f"/v1/dossiers/{dossier_id}/decision", {"result": "approved", "amount": 3710000}).status_code == 200
    )
    clock.set(2020, 5, 25, 16, 0)
    assert post(world, f"/v1/dossiers/{dossier_id}/return", {}, role="clerk").status_code == 200
    dossier = view(world, dossier_id)
    # THEN the province's step was past its own deadline (20/5), BHXH's ahead of its own; the result
    # came on the moved appointment, past the first one
    assert [(s["body"], s["outcome"]) for s in dossier["steps"]] == [("bhxh", "ahead"), ("province", "after")]
    assert rows(dossier_id) == [
        (APPLICANT, f"{DESK}, {HP}", None, None),
        (f"{DESK}, {HP}", APPLICANT, None, None),
        (APPLICANT, f"{DESK}, {HP}", None, None),
        (DESK, f"{HP} (bộ phận giải quyết)", None, None),
        (HP, UBND, "2020-05-15", "ahead"),
        (UBND, f"{DESK}, {HP}", "2020-05-20", "after"),
        (f"{DESK}, {HP}", APPLICANT, "2020-05-22", "after"),
    ]
    control = slip_text(dossier_id, "control_slip", out / "control_slip.pdf")
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in control and "Trước hạn" in control and "Quá hạn" in control
    assert (
        "Hẹn lại đến ngày 25/05/2020" in control
        and "Thời hạn trả kết quả: ngày 22 tháng 05 năm 2020, hẹn lại ngày 25 tháng 05 năm 2020" in control
    )
    from chalicelib.domain.control import control_rows

    assert reason in control_rows(store().get(dossier_id))[5]["note"]
    kinds = [d["kind"] for d in dossier["documents"]]
    assert (
        kinds.count("control_slip") == 5 and kinds.count("apology") == 1
    )  # at acceptance, forwarding, apology, decision, return
    # AND the figures count each body's step against its own deadline: BHXH on time, the province late
    after = figures(world)
    assert added(before, after, ("bhxh", "2020-W20")) == {
        "received": 1,
        "on_time": 1,
        "late": 0,
        "open": 0,
        "apologies": 0,
        "escalated": 0,
    }
    assert added(before, after, ("province", "2020-W20")) == {
        "received": 1,
        "on_time": 0,
        "late": 1,
        "open": 0,
        "apologies": 1,
        "escalated": 0,
    }


def test_a_bhxh_step_predicted_late_gets_its_apology_a_day_before(world: Fixture, clock: Clock, tmp_path: Path) -> None:
    # GIVEN a dossier accepted Tuesday 28/4/2020 at 09:00: BHXH's 3 days are 29/4, 4/5, 5/5 (30/4, 1/5 off)
    dossier_id = accepted_on(world, clock, 2020, 4, 28, 9, 0)
    dossier = view(world, dossier_id)
    assert (dossier["bhxh_due_date"], dossier["due_date"]) == ("2020-05-05", "2020-05-12")
    # WHEN the sweep runs on Wednesday 29/4, the step still open: too early to say
    workflow.sweep_deadlines(date(2020, 4, 29))
    assert view(world, dossier_id)["overdue"] is False
    # WHEN it runs on Monday 4/5, the working day before BHXH's deadline, the confirmation still not made
    workflow.sweep_deadlines(date(2020, 5, 4))
    dossier = view(world, dossier_id)
    # THEN BHXH apologises with the default reason (no clerk gave one) and one new appointment
    assert dossier["overdue"] is True and [d["kind"] for d in dossier["documents"]].count("apology") == 1
    assert dossier["steps"][0]["moved_to"] == "2020-05-08" and dossier["steps"][0]["delay_reason"].startswith(
        "Cần thêm thời gian đối chiếu"
    )
    # the province keeps its 5 days after BHXH's new deadline: Fri 15/5
    assert (dossier["original_due_date"], dossier["due_date"]) == ("2020-05-12", "2020-05-15")
    apology = slip_text(dossier_id, "apology", tmp_path / "apology.pdf")
    assert "BẢO HIỂM XÃ HỘI THÀNH PHỐ HẢI PHÒNG" in apology and "ỦY BAN NHÂN DÂN" not in apology


def test_an_authority_late_twice_is_flagged_for_the_leader_not_apologised_again(world: Fixture, clock: Clock) -> None:
    # GIVEN a dossier forwarded on time on Wednesday 13/5/2020; the province is due Wednesday 20/5
    dossier_id = accepted_on(world, clock, 2020, 5, 12, 9, 0)
    clock.set(2020, 5, 13, 10, 0)
    workflow.workflow_step(pipeline.StepMessage(dossier_id, "confirm"))
    # WHEN the province says nothing and the sweep runs on Tuesday 19/5
    workflow.sweep_deadlines(date(2020, 5, 19))
    dossier = view(world, dossier_id)
    # THEN the apology is in the province's name, with the default reason; none in BHXH's (on time)
    assert [(s["body"], s["outcome"], s["moved_to"]) for s in dossier["steps"]] == [
        ("bhxh", "ahead", None),
        ("province", None, "2020-05-27"),
    ]
    assert dossier["steps"][1]["delay_reason"] == "Cơ quan có thẩm quyền cần thêm thời gian thẩm định hồ sơ."
    assert dossier["due_date"] == "2020-05-27" and dossier["escalation"] is None
    # WHEN the province is still not done on Tuesday 26/5, the day before the moved deadline
    workflow.sweep_deadlines(date(2020, 5, 26))
    dossier = view(world, dossier_id)
    # THEN no second apology and no second new date: the leader is told, in the worklist too
    assert [d["kind"] for d in dossier["documents"]].count("apology") == 1 and dossier["due_date"] == "2020-05-27"
    assert dossier["escalation"].startswith("Trễ hạn lần thứ hai: Ủy ban nhân dân thành phố Hải Phòng")
    items = world.api.http.get("/v1/dossiers?overdue=true&limit=200", headers=world.token("clerk", "031")).json_body[
        "items"
    ]
    assert next(i for i in items if i["id"] == dossier_id)["escalation"] == dossier["escalation"]
    workflow.sweep_deadlines(date(2020, 5, 28))
    assert [d["kind"] for d in view(world, dossier_id)["documents"]].count("apology") == 1
    stats = world.api.http.get("/v1/stats", headers=world.token("clerk", "031")).json_body
    assert (
        any(r["body"] == "province" and r["escalated"] >= 1 for r in stats["rows"])
        and stats["bodies"]["province"] == "Ủy ban nhân dân thành phố Hải Phòng"
    )


def test_only_the_body_holding_the_dossier_reports_its_delay(world: Fixture, clock: Clock) -> None:
    dossier_id = accepted_on(world, clock, 2020, 5, 12, 9, 0)
    reason = {"reason": "Hệ thống thông tin gặp sự cố kỹ thuật."}
    # the step open is BHXH's: the authority cannot speak for it (nor see the dossier, not forwarded to it yet); the clerk can
    refused = post(world, f"/v1/dossiers/{dossier_id}/delay", reason)
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "forbidden"
    assert post(world, f"/v1/dossiers/{dossier_id}/delay", reason, role="portal").status_code == 403
    done = post(world, f"/v1/dossiers/{dossier_id}/delay", reason, role="clerk")
    assert done.status_code == 200 and done.json_body["steps"][0]["delay_reason"] == reason["reason"]
    assert done.json_body["steps"][0]["moved_to"] == "2020-05-20"  # its own 3 days again after Fri 15/5
    assert [d["kind"] for d in done.json_body["documents"]].count("apology") == 1


@pytest.mark.parametrize(
    ("code", "bhxh_due", "appointment", "authority", "authority_due"),
    [
        # received Tue 28/4/2020 09:00; forwarded (or confirmed) Wed 29/4 10:00
        ("suspension_support", "2020-05-05", "2020-05-12", "province", "2020-05-08"),  # 3; then 3 + 2
        ("wage_loan", "2020-05-05", "2020-05-15", "social_policy_bank", "2020-05-13"),  # 3; then 3 + 2 + 3
        ("pension_pause", "2020-05-07", "2020-05-07", None, None),  # 5, BHXH decides
    ],
)
def test_each_procedure_runs_on_its_own_deadlines(
    world: Fixture,
    clock: Clock,
    code: str,
    bhxh_due: str,
    appointment: str,
    authority: str | None,
    authority_due: str | None,
) -> None:
    clock.set(2020, 4, 28, 9, 0)
    dossier = world.run(world.submit([world.worker(0), world.worker(1)], procedure=code))
    assert dossier["status"] == "accepted", dossier["findings"]
    assert (dossier["bhxh_due_date"], dossier["due_date"]) == (bhxh_due, appointment)
    clock.set(2020, 4, 29, 10, 0)
    workflow.workflow_step(pipeline.StepMessage(dossier["id"], "confirm"))
    dossier = view(world, dossier["id"])
    if authority:
        assert dossier["status"] == "forwarded"
        assert [(s["body"], s["due"], s["outcome"]) for s in dossier["steps"]] == [
            ("bhxh", bhxh_due, "ahead"),
            (authority, authority_due, None),
        ]
    else:
        # BHXH decides itself: its step ends with its decision (Thu 7/5, on the day)
        assert dossier["status"] == "confirmed" and [(s["body"], s["outcome"]) for s in dossier["steps"]] == [
            ("bhxh", None)
        ]
        clock.set(2020, 5, 7, 15, 0)
        assert (
            post(world, f"/v1/dossiers/{dossier['id']}/decision", {"result": "approved"}, role="clerk").status_code
            == 200
        )
        assert [(s["body"], s["outcome"]) for s in view(world, dossier["id"])["steps"]] == [("bhxh", "on")]
