"""Attachments are known by what they are, not by the portal's file names.

The portal names files as it likes (`DanhSachNguoiLaoDong.pdf`, `request.pdf` for a list, a number):
the component it declares, else the content, decides; one signed list is the employer's request and
its list (seed 000: the portal forwards the employer's signed data). Whatever is missing is named as
the employer knows it, never by a file prefix or an internal field.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from chalicelib.adapters.store import store
from chalicelib.local.employer import sign_as_employer
from tests.functional.world import Fixture
from tests.helpers import pdf_bytes
from tests.scans.generate import Document, render_pdf
from tests.scans.generate import Worker as ScanWorker

INTERNAL_WORDS = ("worker_list", "attachments", "tệp có tên bắt đầu", "«request»")


def _signed_list(world: Fixture, workers: list[dict[str, str]]) -> bytes:
    listed = Document(
        world.unit.unit_code, world.unit.tax_code, world.unit.unit_name, [ScanWorker(**w) for w in workers]
    )
    return sign_as_employer(render_pdf(listed), world.employer)


def _slip_text(world: Fixture, dossier: dict[str, Any], kind: str) -> str:
    from pypdf import PdfReader

    from chalicelib.adapters.blobs import slips

    ref = next(d for d in store().get(dossier["id"]).documents if d.kind == kind)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(slips().get(ref.key))).pages)


def test_a_signed_list_alone_with_the_portals_file_name_is_the_request_and_the_list(world: Fixture) -> None:
    # GIVEN a dossier whose only attachment is the employer's signed list, named as a portal names it
    for name, workers in (
        ("DanhSachNguoiLaoDong.pdf", [world.worker(0), world.worker(1)]),
        ("request.pdf", [world.worker(4), world.worker(5)]),
    ):
        dossier = world.run(world.submit(workers, attachments={name: _signed_list(world, workers)}))
        # THEN it is accepted, the file taken for both components
        assert (dossier["status"], dossier["findings"]) == ("accepted", []), (name, dossier["findings"])
        kept = store().get(dossier["id"]).attachments[name]
        assert kept.components == ["worker_list", "request"]
        # AND its record says who signed, that it is the applicant, and whether revocation was checked
        assert (
            kept.signature is not None
            and kept.signature["valid"]
            and kept.signature["revocation"] in ("unavailable", "not_checked")
        )
        assert [s["tax_codes"] for s in kept.signature["signers"]] == [[world.unit.tax_code]]
        # AND the receipt lists what was received in the employer's words
        receipt = _slip_text(world, dossier, "receipt")
        assert "Danh sách người lao động đề nghị hỗ trợ" in receipt and name not in receipt


def test_files_named_by_numbers_are_known_by_the_component_the_portal_declares(world: Fixture) -> None:
    # GIVEN files named 1.pdf and 2.pdf, each declared on upload
    workers = [world.worker(0)]
    body = {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
        "procedure": "suspension_support",
        "applicant": {
            "unit_code": world.unit.unit_code,
            "tax_code": world.unit.tax_code,
            "name": world.unit.unit_name,
            "province_code": "031",
        },
        "workers": workers,
    }
    portal = world.token("portal")
    created = world.api.http.post(
        "/v1/dossiers", headers={**portal, "Content-Type": "application/json"}, body=json.dumps(body)
    ).json_body
    listed = Document(
        world.unit.unit_code, world.unit.tax_code, world.unit.unit_name, [ScanWorker(**w) for w in workers]
    )
    files = {
        "1.pdf": ("request", sign_as_employer(pdf_bytes("Cong van so 12"), world.employer)),
        "2.pdf": ("worker_list", render_pdf(listed)),
    }
    for name, (component, data) in files.items():
        reply = world.api.http.put(
            f"/v1/dossiers/{created['id']}/attachments/{name}?component={component}",
            headers={**portal, "Content-Type": "application/pdf"},
            body=data,
        )
        assert reply.status_code == 200, reply.json_body
    assert world.api.http.post(f"/v1/dossiers/{created['id']}/submit", headers=portal).status_code == 202
    # THEN the dossier is accepted: the declared components count, whatever the names and contents say
    dossier = world.run(created["id"])
    assert (dossier["status"], dossier["findings"]) == ("accepted", [])


def test_a_component_the_procedure_does_not_know_is_refused_at_upload_in_both_languages(world: Fixture) -> None:
    portal = world.token("portal")
    body = {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
        "procedure": "suspension_support",
        "applicant": {
            "unit_code": world.unit.unit_code,
            "tax_code": world.unit.tax_code,
            "name": world.unit.unit_name,
            "province_code": "031",
        },
        "workers": [world.worker(0)],
    }
    created = world.api.http.post(
        "/v1/dossiers", headers={**portal, "Content-Type": "application/json"}, body=json.dumps(body)
    ).json_body
    reply = world.api.http.put(
        f"/v1/dossiers/{created['id']}/attachments/x.pdf?component=passport",
        headers={**portal, "Content-Type": "application/pdf"},
        body=pdf_bytes(),
    )
    assert reply.status_code == 422  # InvalidInput, as every body the API cannot take
    error = reply.json_body["error"]
    assert error["code"] == "unknown_component"
    assert "passport" in error["message"] and "Danh sách người lao động đề nghị hỗ trợ" in error["message"]
    assert "worker_list" in error["message_en"]
    # AND nothing was stored for it
    view = world.api.http.get(f"/v1/dossiers/{created['id']}", headers=portal).json_body
    assert view["attachments"] == []


def test_a_missing_list_is_named_as_the_employer_knows_it_on_the_finding_and_the_slip(world: Fixture) -> None:
    # GIVEN only the signed request, no list of workers
    request = sign_as_employer(pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong"), world.employer)
    dossier = world.run(world.submit([world.worker(0)], attachments={"request.pdf": request}))
    # THEN one finding names the missing component in the employer's words
    missing = [f for f in dossier["findings"] if f["code"] == "missing_attachment"]
    assert len(missing) == 1 and "Danh sách người lao động đề nghị hỗ trợ" in missing[0]["message"]
    assert not any(word in missing[0]["message"] for word in INTERNAL_WORDS)
    # AND the correction slip prints no file prefix and no internal field name
    slip = _slip_text(world, dossier, "correction_request")
    assert "Danh sách người lao động đề nghị hỗ trợ" in slip
    assert not any(word in slip for word in INTERNAL_WORDS), slip


def test_a_list_with_no_table_of_workers_is_a_finding_not_silence(world: Fixture) -> None:
    # GIVEN a file declared as the list, in which there is no table of workers
    request = sign_as_employer(pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong"), world.employer)
    dossier = world.run(
        world.submit([world.worker(0)], attachments={"request.pdf": request, "danh_sach.pdf": pdf_bytes("Danh sach")})
    )
    # THEN the applicant is told the list could not be found in it, naming the file and the component
    found = [f for f in dossier["findings"] if f["code"] == "unreadable_attachment"]
    assert len(found) == 1, dossier["findings"]
    assert "danh_sach.pdf" in found[0]["message"] and "Danh sách người lao động đề nghị hỗ trợ" in found[0]["message"]
    assert dossier["status"] == "needs_correction"
