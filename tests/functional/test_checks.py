"""Every finding code, found on arrival against a real registry in the emulator, all at once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from chalicelib.adapters.registry import registry
from chalicelib.adapters.store import store
from chalicelib.domain.registry import Participant, Period
from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
from chalicelib.services import pipeline
from tests.functional.world import Fixture
from tests.helpers import pdf_bytes, text_list_pdf


def codes(dossier: dict[str, Any]) -> list[tuple[str, str | None, int | None]]:
    return [(f["code"], f["field"], f["row"]) for f in dossier["findings"]]


def test_a_clean_dossier_is_accepted_with_a_receipt_and_a_due_date(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0), world.worker(1)]))
    assert dossier["findings"] == []
    assert dossier["status"] == "accepted"
    assert [d["kind"] for d in dossier["documents"]] == [
        "receipt",
        "control_slip",
    ]  # the control slip opens at reception
    assert dossier["due_date"] > dossier["bhxh_due_date"] > dossier["received_at"][:10]


def test_every_problem_is_reported_at_once_with_suggestions(world: Fixture) -> None:
    # GIVEN a dossier with five different problems on five rows
    real = world.people[4].si_number
    typo = real[:3] + str((int(real[3]) + 5) % 10) + real[4:]  # one digit mistyped
    workers = [
        world.worker(0, full_name="Nguyễn Văn Bình"),  # identity_mismatch (name; "Ân" for "An" would pass)
        world.worker(1, date_of_birth="1990-03-28"),  # identity_mismatch (date of birth)
        world.worker(2),  # left in 2019: not_participating in March 2020
        world.worker(3),  # in another unit: not_in_unit
        world.worker(4, si_number=typo),  # unknown_si_number, one digit away from the real one
        world.worker(5, period_from="2020-04-15", period_to="2020-05-10"),  # period shorter than a month
    ]
    dossier = world.run(world.submit(workers))
    # THEN every one is listed, once, with the row, and the correction request is issued
    found = codes(dossier)
    assert ("identity_mismatch", "full_name", 1) in found
    assert ("identity_mismatch", "date_of_birth", 2) in found
    assert ("not_participating", "si_number", 3) in found
    assert ("not_in_unit", "si_number", 4) in found
    assert ("unknown_si_number", "si_number", 5) in found
    assert ("period_out_of_range", "period_to", 6) in found
    unknown = next(f for f in dossier["findings"] if f["code"] == "unknown_si_number")
    assert unknown["suggestion"] == world.people[4].si_number
    assert typo in unknown["message"] and "không có trong cơ sở dữ liệu" in unknown["message"]
    assert next(f for f in dossier["findings"] if f["field"] == "date_of_birth")["suggestion"] == "28/02/1990"
    assert dossier["status"] == "needs_correction"
    assert [d["kind"] for d in dossier["documents"]] == ["correction_request"]
    assert len(found) == len(set(found))


def test_unit_problems(world: Fixture) -> None:
    wrong_tax = {
        "unit_code": world.unit.unit_code,
        "tax_code": "0100109106",
        "name": world.unit.unit_name,
        "province_code": "031",
    }
    dossier = world.run(world.submit([world.worker(0)], applicant=wrong_tax))
    tax = next(f for f in dossier["findings"] if f["code"] == "unit_tax_mismatch")
    assert tax["suggestion"] == world.unit.tax_code
    unknown = {**wrong_tax, "unit_code": "ZZ9999Z", "tax_code": world.unit.tax_code}
    dossier = world.run(world.submit([world.worker(0)], applicant=unknown))
    assert ("unknown_unit", "applicant.unit_code", None) in codes(dossier)


def test_the_scanned_list_must_match_the_typed_one(world: Fixture) -> None:
    typed = [world.worker(0), world.worker(1)]
    scanned = [typed[0], {**typed[1], "date_of_birth": "1991-02-28"}]
    dossier = world.run(world.submit(typed, scan=scanned))
    mismatch = [f for f in dossier["findings"] if f["code"] == "scan_mismatch"]
    assert [(f["field"], f["row"]) for f in mismatch] == [("date_of_birth", 2)]
    assert "28/02/1991" in mismatch[0]["message"] or "1991-02-28" in mismatch[0]["message"]


def test_attachments_missing_unreadable_and_unsigned(world: Fixture, tmp_path: Path) -> None:
    stranger = ensure_demo_employer(tmp_path / "stranger", world.unit.tax_code, name="Kẻ giả mạo")  # a CA nobody trusts
    dossier = world.run(world.submit([world.worker(0)], attachments={"request.pdf": pdf_bytes("khong ky")}))
    assert {("signature_missing", "attachments"), ("missing_attachment", "attachments")} <= {
        (f["code"], f["field"]) for f in dossier["findings"]
    }
    corrupt = b"%PDF-1.7\n" + bytes(range(256)) * 8
    dossier = world.run(
        world.submit(
            [world.worker(1)],
            attachments={"request.pdf": sign_as_employer(pdf_bytes(), stranger), "worker_list.pdf": corrupt},
        )
    )
    found = {f["code"]: f for f in dossier["findings"]}
    assert "signature_invalid" in found and "không được tin cậy" in found["signature_invalid"]["message"]
    assert "unreadable_attachment" in found and "worker_list.pdf" in found["unreadable_attachment"]["message"]
    assert dossier["status"] == "needs_correction"


def test_a_worker_claimed_in_another_dossier_is_a_duplicate_naming_it(world: Fixture) -> None:
    first = world.run(world.submit([world.worker(0)]))
    assert first["status"] == "accepted", first["findings"]
    second = world.run(
        world.submit([world.worker(0, period_from="2020-05-01", period_to="2020-06-30"), world.worker(1)])
    )
    duplicate = [f for f in second["findings"] if f["code"] == "duplicate_claim"]
    assert [(f["row"], first["portal_code"] in f["message"], "05/2020" in f["message"]) for f in duplicate] == [
        (1, True, True)
    ]
    assert second["status"] == "needs_correction"


def test_two_dossiers_racing_for_the_same_workers_exactly_one_wins(world: Fixture) -> None:
    workers = [world.worker(0), world.worker(1), world.worker(4)]
    ids = [world.submit(workers), world.submit(workers)]
    for dossier_id in ids:
        pipeline.extract_step(pipeline.StepMessage(dossier_id, "extract"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda i: pipeline.check_step(pipeline.StepMessage(i, "check")), ids))
    statuses = sorted(store().get(i).status.value for i in ids)
    assert statuses == ["accepted", "rejected"]  # every worker of the loser is a duplicate: nothing left to support


def test_a_refused_dossier_releases_its_claims(world: Fixture) -> None:
    refused = world.run(world.submit([world.worker(2), world.worker(3)]))  # nobody eligible
    assert refused["status"] == "rejected" and [d["kind"] for d in refused["documents"]] == ["refusal"]
    accepted = world.run(world.submit([world.worker(1)]))
    assert accepted["status"] == "accepted"


def test_running_the_check_twice_changes_nothing(world: Fixture) -> None:
    dossier_id = world.submit([world.worker(0)])
    first = world.run(dossier_id)
    pipeline.check_step(pipeline.StepMessage(dossier_id, "check"))
    again = world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("portal")).json_body
    assert again["history"] == first["history"] and again["documents"] == first["documents"]


def test_a_500_worker_dossier(world: Fixture) -> None:
    base = random.randrange(10**9, 9 * 10**9)
    family, middle, given = (
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"),
        ("Văn", "Thị", "Minh", "Hữu", "Ngọc"),
        (
            "An",
            "Bình",
            "Chi",
            "Dũng",
            "Giang",
            "Hà",
            "Khánh",
            "Lan",
            "Nam",
            "Phúc",
            "Quân",
            "Sơn",
            "Thảo",
            "Uyên",
            "Vinh",
            "Xuân",
            "Yến",
            "Đức",
            "Hùng",
            "Tâm",
        ),
    )
    people = [
        Participant(
            f"{base + i:010d}",
            f"{family[i % 5]} {middle[i // 5 % 5]} {given[i // 25]}",
            "1980-01-01",
            None,
            world.unit.unit_code,
            (Period(world.unit.unit_code, "2019-01", None),),
        )
        for i in range(500)
    ]
    registry().put_participants(people)
    workers = [
        {
            "full_name": p.full_name,
            "si_number": p.si_number,
            "date_of_birth": p.date_of_birth,
            "period_from": "2020-04-01",
            "period_to": "2020-04-30",
        }
        for p in people
    ]
    workers[321]["si_number"] = f"{base + 777:010d}"  # one unknown
    # the list as the employer's software exports it (text layer), signed with the rest
    listed = text_list_pdf(
        workers, {"name": world.unit.unit_name, "unit_code": world.unit.unit_code, "tax_code": world.unit.tax_code}
    )
    dossier_id = world.submit(
        workers, attachments={"request.pdf": sign_as_employer(pdf_bytes(), world.employer), "worker_list.pdf": listed}
    )
    dossier = world.run(dossier_id)
    assert codes(dossier) == [("unknown_si_number", "si_number", 322)]


def _checked_with_reading(
    world: Fixture, worker: dict[str, str], id_number: str, confidence: float
) -> tuple[str, str, dict[str, Any]]:
    """Run a clean dossier through the steps with its list's first CCCD read as `id_number`, at
    `confidence` (what the extract step stored is changed between the two steps): (id, list name, view)."""
    import json as _json

    from chalicelib.adapters.blobs import originals
    from chalicelib.services.extracting import extraction_key

    dossier_id = world.submit([worker])
    pipeline.extract_step(pipeline.StepMessage(dossier_id, "extract"))
    dossier = store().get(dossier_id)
    name = next(n for n in dossier.attachments if n.startswith("worker_list"))
    key = extraction_key(dossier_id, dossier.attachments[name])
    stored = _json.loads(originals().get(key))
    stored["workers"][0]["id_number"] = id_number
    stored["workers"][0]["confidence"]["id_number"] = confidence
    originals().put(key, _json.dumps(stored, ensure_ascii=False).encode(), "application/json")
    pipeline.check_step(pipeline.StepMessage(dossier_id, "check"))
    return dossier_id, name, world.api.http.get(f"/v1/dossiers/{dossier_id}", headers=world.token("portal")).json_body


def test_an_ocr_slip_the_registry_settles_is_recorded_not_sent_back(world: Fixture) -> None:
    # GIVEN a clean dossier whose list was read with one CCCD digit misread (3 as 5), with doubt
    worker = world.worker(0)
    typed = worker["id_number"]
    position = typed.index("3")
    misread = typed[:position] + "5" + typed[position + 1 :]
    # WHEN the check step runs
    dossier_id, name, view = _checked_with_reading(world, worker, misread, 0.7)
    # THEN the typed value, which the registry holds, stands: accepted, the reading recorded as reconciled
    assert (view["status"], view["findings"]) == ("accepted", [])
    reading = next(a["reading"] for a in view["attachments"] if a["name"] == name)
    assert [(r["row"], r["field"], r["scanned"], r["typed"]) for r in reading["reconciled"]] == [
        (1, "id_number", misread, typed)
    ]
    # AND the clerk's side-by-side view does not mark it as a difference
    lists = world.api.http.get(
        f"/v1/dossiers/{dossier_id}/worker-lists", headers=world.token("clerk", "031")
    ).json_body["lists"]
    assert lists[0]["rows"][0]["differs"] == [] and lists[0]["reconciled"] == reading["reconciled"]


def test_the_same_misread_read_with_confidence_is_a_difference_with_the_registrys_value_as_the_fix(
    world: Fixture,
) -> None:
    # GIVEN the list's CCCD read, confidently, as another number
    worker = world.worker(1)
    typed = worker["id_number"]
    _, _, view = _checked_with_reading(world, worker, typed[:-1] + str((int(typed[-1]) + 1) % 10), 0.99)
    # THEN it is a difference, and the fix suggested is the registry's value, not the other reading
    found = [f for f in view["findings"] if f["code"] == "scan_mismatch"]
    assert view["status"] == "needs_correction" and [(f["row"], f["field"]) for f in found] == [(1, "id_number")]
    assert found[0]["suggestion"] == typed
