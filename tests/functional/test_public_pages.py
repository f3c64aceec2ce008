"""The public pages a worker opens from a slip's QR on a phone: where the dossier stands, whether the
slip is genuine, and a form that checks a PDF. The QR is decoded from the rendered slip (zbar), not
assumed; the pages carry no personal data."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.functional.world import Fixture
from tests.helpers import qr_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def receipt_pdf(world: Fixture, dossier: dict[str, Any]) -> bytes:
    link = world.api.http.get(
        f"/v1/dossiers/{dossier['id']}/documents/receipt",
        headers={**world.token("clerk", "031"), "Accept": "application/json"},
    ).json_body
    return requests.get(link["url"], timeout=10).content


def page(world: Fixture, address: str) -> Any:
    parts = urlsplit(address)
    return world.api.http.get(parts.path + (f"?{parts.query}" if parts.query else ""), headers=BROWSER)


def multipart(pdf: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="phieu.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + pdf
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_the_qr_of_a_receipt_opens_a_page_that_says_where_the_dossier_stands_and_that_the_slip_is_genuine(
    world: Fixture, tmp_path: Path
) -> None:
    # GIVEN an accepted dossier and its signed receipt
    dossier = world.run(world.submit([world.worker(0)]))
    assert dossier["status"] == "accepted"
    pdf = receipt_pdf(world, dossier)
    number = dossier["documents"][0]["number"]
    # WHEN a phone scans the QR printed on the receipt and opens it
    address = qr_of(pdf, tmp_path)
    reply = page(world, address)
    # THEN it is a page (not JSON) in Vietnamese, under the strict headers, that says the status in words,
    # names the slip as issued by the system, and lists it
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"] and "<script" not in reply.body.decode()
    html = reply.body.decode()
    assert "Đã tiếp nhận" in html and "Phiếu do hệ thống cấp" in html and number in html and "còn hiệu lực" in html
    assert dossier["portal_code"] in html and "Ngày hẹn trả kết quả" in html
    # AND no personal data at all: no names, SI numbers, ID numbers or birth dates of anyone in the dossier
    worker = world.worker(0)
    for secret in (
        worker["full_name"],
        worker["si_number"],
        worker["id_number"],
        worker["date_of_birth"],
        "-".join(reversed(worker["date_of_birth"].split("-"))),
    ):
        assert secret not in html
    assert world.unit.tax_code not in html
    # AND a code changed by one character is not taken for the slip's
    parts = urlsplit(address)
    forged = address.replace(f"ma={parts.query.split('ma=')[1]}", "ma=AAAAAAAA")
    refused = page(world, forged).body.decode()
    assert "Không xác thực được phiếu" in refused and "Phiếu do hệ thống cấp" not in refused
    # AND a client that asks for JSON (or names nothing) still gets the JSON it always got
    plain = world.api.http.get(parts.path)
    assert plain.status_code == 200 and plain.json_body["status"] == "accepted"


def test_a_code_no_dossier_has_gets_a_page_that_says_so(world: Fixture) -> None:
    reply = world.api.http.get("/v1/lookup/G22.99-000000-nothere", headers=BROWSER)
    assert reply.status_code == 404 and "Không tìm thấy hồ sơ" in reply.body.decode()


def test_the_pages_form_checks_a_genuine_a_tampered_and_a_foreign_pdf_in_words(world: Fixture) -> None:
    dossier = world.run(world.submit([world.worker(0)]))
    genuine = receipt_pdf(world, dossier)
    tampered = genuine[:200] + bytes([genuine[200] ^ 0x01]) + genuine[201:]  # one signed byte changed
    answers = {}
    for name, pdf in (
        ("genuine", genuine),
        ("tampered", tampered),
        ("foreign", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
    ):
        body, content_type = multipart(pdf)
        reply = world.api.http.post("/v1/verify", headers={**BROWSER, "Content-Type": content_type}, body=body)
        answers[name] = (reply.status_code, reply.body.decode())
    assert answers["genuine"][0] == 200 and "Phiếu thật, còn nguyên vẹn" in answers["genuine"][1]
    for name in ("tampered", "foreign"):
        assert answers[name][0] == 200 and "Không phải phiếu do hệ thống cấp, hoặc đã bị sửa" in answers[name][1], name
    # AND a form sent without a file, or with something that is no PDF, is told so in words
    body, content_type = multipart(b"GIF89a not a pdf")
    not_pdf = world.api.http.post("/v1/verify", headers={**BROWSER, "Content-Type": content_type}, body=body)
    assert not_pdf.status_code == 422 and "Không kiểm tra được tệp" in not_pdf.body.decode()
    # AND the JSON contract of /v1/verify is unchanged for machine clients
    machine = world.api.http.post("/v1/verify", headers={"Content-Type": "application/pdf"}, body=genuine)
    assert machine.json_body["issued_by_system"] is True


def test_the_public_style_sheet_is_served_and_nothing_else_is(api: Any) -> None:
    assert api.http.get("/public/public.css").status_code == 200
    assert api.http.get("/public/app.py").status_code == 404
