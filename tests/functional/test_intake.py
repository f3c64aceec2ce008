"""The portal's side of the contract, through Chalice's test client against the local emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from chalicelib.domain.media import MAX_INLINE_BYTES
from tests.helpers import dossier_body, pdf_bytes, png_bytes

Headers = Callable[..., dict[str, str]]


def post_json(api: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return api.http.post(path, headers={**headers, "Content-Type": "application/json"}, body=raw)


@pytest.fixture
def portal(token: Headers) -> dict[str, str]:
    return token("portal")


@pytest.fixture
def draft(api: Any, portal: dict[str, str]) -> dict[str, Any]:
    reply = post_json(api, "/v1/dossiers", dossier_body(), portal)
    assert reply.status_code == 201
    return reply.json_body


def sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_create_answers_201_then_200_with_the_same_dossier_for_the_same_portal_code(
    api: Any, portal: dict[str, str]
) -> None:
    body = dossier_body()
    first = post_json(api, "/v1/dossiers", body, portal)
    again = post_json(api, "/v1/dossiers", body, portal)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body["id"] == first.json_body["id"]
    assert first.json_body["status"] == "draft"
    assert first.json_body["workers"][0]["full_name"] == "Nguyễn Văn An"
    assert first.headers["Location"] == f"/v1/dossiers/{first.json_body['id']}"


@pytest.mark.parametrize(
    "raw,status,code",
    [
        ("{not json", 400, "malformed_json"),
        ("", 400, "empty_body"),
        (json.dumps([1, 2]), 422, "invalid_body"),
        (json.dumps({**dossier_body(), "procedure": "lottery_win"}), 422, "unknown_procedure"),
        (json.dumps({k: v for k, v in dossier_body().items() if k != "applicant"}), 422, "invalid_body"),
        (json.dumps({**dossier_body(), "workers": "all of them"}), 422, "invalid_body"),
    ],
)
def test_bad_create_bodies_get_a_clear_4xx_and_store_nothing(
    api: Any, portal: dict[str, str], raw: str, status: int, code: str
) -> None:
    reply = post_json(api, "/v1/dossiers", raw, portal)
    assert reply.status_code == status
    assert reply.json_body["error"]["code"] == code
    assert reply.json_body["error"]["message"] and reply.json_body["error"]["message_en"]


def test_a_wrong_field_is_named_in_the_error(api: Any, portal: dict[str, str]) -> None:
    body = dossier_body()
    body["workers"][0]["si_number"] = "12345"
    error = post_json(api, "/v1/dossiers", body, portal).json_body["error"]
    assert error["code"] == "invalid_body"
    assert [d["field"] for d in error["details"]] == ["workers.0.si_number"]
    # and nothing was stored under that portal code
    assert api.http.get(f"/v1/lookup/{body['portal_code']}").status_code == 404


def test_attachments_upload_and_show_in_the_dossier(api: Any, portal: dict[str, str], draft: dict[str, Any]) -> None:
    pdf = pdf_bytes()
    reply = api.http.put(
        f"/v1/dossiers/{draft['id']}/attachments/request.pdf",
        headers={**portal, "Content-Type": "application/pdf"},
        body=pdf,
    )
    assert reply.status_code == 200
    png = api.http.put(
        f"/v1/dossiers/{draft['id']}/attachments/worker_list.png",
        headers={**portal, "Content-Type": "image/png"},
        body=png_bytes(),
    )
    attachments = {a["name"]: a for a in png.json_body["attachments"]}
    assert set(attachments) == {"request.pdf", "worker_list.png"}
    assert attachments["request.pdf"]["size"] == len(pdf)


@pytest.mark.parametrize(
    "name,content_type,body,status,code",
    [
        ("list.png", "text/plain", b"hello", 415, "unsupported_media_type"),
        ("list.png", "image/png", b"%PDF-1.7 not a png", 415, "content_mismatch"),
        ("list.pdf", "application/pdf", b"", 422, "empty_attachment"),
        # no route matches a name with "/": API Gateway (and Chalice's local gateway) answers 403
        ("../etc/passwd", "application/pdf", b"%PDF-1.4", 403, None),
        (".hidden.pdf", "application/pdf", b"%PDF-1.4", 422, "invalid_attachment_name"),
        ("list%00.pdf", "application/pdf", b"%PDF-1.4", 422, "invalid_attachment_name"),
        ("big.pdf", "application/pdf", b"%PDF-" + b"0" * MAX_INLINE_BYTES, 413, "attachment_too_large"),
    ],
)
def test_bad_attachments_are_refused_clearly(
    api: Any,
    portal: dict[str, str],
    draft: dict[str, Any],
    name: str,
    content_type: str,
    body: bytes,
    status: int,
    code: str | None,
) -> None:
    reply = api.http.put(
        f"/v1/dossiers/{draft['id']}/attachments/{name}", headers={**portal, "Content-Type": content_type}, body=body
    )
    assert reply.status_code == status
    if code:
        assert reply.json_body["error"]["code"] == code
    assert api.http.get(f"/v1/dossiers/{draft['id']}", headers=portal).json_body["attachments"] == []


def test_unknown_dossier_is_404_everywhere(api: Any, portal: dict[str, str]) -> None:
    assert api.http.get("/v1/dossiers/nope", headers=portal).status_code == 404
    assert api.http.post("/v1/dossiers/nope/submit", headers=portal).status_code == 404
    reply = api.http.put(
        "/v1/dossiers/nope/attachments/a.png", headers={**portal, "Content-Type": "image/png"}, body=png_bytes()
    )
    assert (reply.status_code, reply.json_body["error"]["code"]) == (404, "dossier_not_found")


def test_submit_answers_202_once_then_409_and_freezes_attachments(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    path = f"/v1/dossiers/{draft['id']}"
    api.http.put(
        f"{path}/attachments/request.pdf", headers={**portal, "Content-Type": "application/pdf"}, body=pdf_bytes()
    )
    first = api.http.post(f"{path}/submit", headers=portal)
    assert first.status_code == 202
    assert first.json_body["status"] == "submitted" and first.json_body["received_at"]
    second = api.http.post(f"{path}/submit", headers=portal)
    assert (second.status_code, second.json_body["error"]["code"]) == (409, "already_submitted")
    late = api.http.put(
        f"{path}/attachments/more.png", headers={**portal, "Content-Type": "image/png"}, body=png_bytes()
    )
    assert (late.status_code, late.json_body["error"]["code"]) == (409, "not_editable")
    after = api.http.get(path, headers=portal).json_body
    assert [a["name"] for a in after["attachments"]] == ["request.pdf"]
    assert [h["status"] for h in after["history"]][:2] == ["draft", "submitted"]


def test_a_large_file_goes_through_a_presigned_url_and_is_picked_up_on_submit(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    # GIVEN a ticket for a 7 MB scan
    scan = b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024)
    ticket = post_json(
        api,
        f"/v1/dossiers/{draft['id']}/uploads",
        {"name": "worker_list.pdf", "content_type": "application/pdf", "size": len(scan), "sha256": sha256(scan)},
        portal,
    )
    assert ticket.status_code == 201
    # WHEN the portal PUTs the file to S3 and submits
    uploaded = requests.put(ticket.json_body["url"], data=scan, headers=ticket.json_body["headers"], timeout=30)
    assert uploaded.status_code == 200
    submitted = api.http.post(f"/v1/dossiers/{draft['id']}/submit", headers=portal).json_body
    # THEN the dossier lists the file with its size
    assert {a["name"]: a["size"] for a in submitted["attachments"]} == {"worker_list.pdf": len(scan)}


def test_upload_ticket_checks_what_it_is_given(api: Any, portal: dict[str, str], draft: dict[str, Any]) -> None:
    path = f"/v1/dossiers/{draft['id']}/uploads"
    assert (
        post_json(
            api,
            path,
            {"name": "a.exe", "content_type": "application/x-msdownload", "size": 10, "sha256": "0" * 64},
            portal,
        ).status_code
        == 415
    )
    assert (
        post_json(
            api, path, {"name": "a.pdf", "content_type": "application/pdf", "size": 10**12, "sha256": "0" * 64}, portal
        ).json_body["error"]["code"]
        == "invalid_size"
    )
    assert post_json(api, path, "[]", portal).status_code == 422
    # a ticket is bound to the file's SHA-256: without one (or a malformed one), none
    for bad in (None, "xyz", "0" * 63):
        body = {"name": "a.pdf", "content_type": "application/pdf", "size": 10, **({"sha256": bad} if bad else {})}
        assert post_json(api, path, body, portal).json_body["error"]["code"] == "invalid_sha256"


def test_lookup_shows_status_and_dates_but_no_personal_data(api: Any, portal: dict[str, str]) -> None:
    body = dossier_body()
    post_json(api, "/v1/dossiers", body, portal)
    reply = api.http.get(f"/v1/lookup/{body['portal_code']}")
    assert reply.status_code == 200
    assert set(reply.json_body) == {"portal_code", "procedure", "status", "overdue", "received_at", "due_date"}
    text = json.dumps(reply.json_body, ensure_ascii=False)
    for secret in ("Nguyễn Văn An", "0123456789", "031085123456", "1985-10-12"):
        assert secret not in text
    assert api.http.get("/v1/lookup/G22.99-000000-unknown").status_code == 404


def test_health_and_openapi(api: Any) -> None:
    assert api.http.get("/v1/health").json_body == {"status": "ok", "failing": []}
    spec = api.http.get("/v1/openapi.json").json_body
    import app as app_module

    # every route is documented, and only routes are (the document is made from them)
    routes = {(path, method.lower()) for path, methods in app_module.app.routes.items() for method in methods}
    documented = {(path, m) for path, ops in spec["paths"].items() for m in ops}
    assert routes == documented, routes ^ documented
    create = spec["components"]["schemas"]["CreateDossier"]
    assert set(create["required"]) == {"portal_code", "procedure", "applicant"}
    assert spec["paths"]["/v1/dossiers"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateDossier"
    }
    # what a reader of the dossier gets documented is what the console uses: the actions it may take
    assert "actions" in spec["components"]["schemas"]["DossierView"]["properties"]


def test_a_presigned_upload_keeps_the_component_the_portal_declared(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    # GIVEN a ticket for a large file declared as the list of workers, under a name that says nothing
    scan = b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024)
    body = {
        "name": "00017.pdf",
        "content_type": "application/pdf",
        "size": len(scan),
        "sha256": sha256(scan),
        "component": "worker_list",
    }
    ticket = post_json(api, f"/v1/dossiers/{draft['id']}/uploads", body, portal)
    assert ticket.status_code == 201 and ticket.json_body["headers"]["x-amz-meta-component"] == "worker_list"
    # WHEN the portal PUTs it with the headers the ticket names, and submits
    assert (
        requests.put(ticket.json_body["url"], data=scan, headers=ticket.json_body["headers"], timeout=30).status_code
        == 200
    )
    submitted = api.http.post(f"/v1/dossiers/{draft['id']}/submit", headers=portal).json_body
    # THEN the file carries the declared component
    assert {a["name"]: a["declared"] for a in submitted["attachments"]} == {"00017.pdf": ["worker_list"]}


def test_a_ticket_for_a_component_the_procedure_does_not_know_is_refused(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    body = {
        "name": "a.pdf",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": "0" * 64,
        "component": "worker_list,birth_certificate",
    }
    reply = post_json(api, f"/v1/dossiers/{draft['id']}/uploads", body, portal)
    assert (reply.status_code, reply.json_body["error"]["code"]) == (422, "unknown_component")


def test_the_names_portals_give_files_are_taken_as_they_are(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    # a portal's names: spaces, Vietnamese letters, parentheses (URL-encoded in the path)
    from urllib.parse import quote

    for name in ("danh sach NLD.pdf", "Danh sách người lao động (T4).pdf", "Đơn đề nghị.pdf"):
        reply = api.http.put(
            f"/v1/dossiers/{draft['id']}/attachments/{quote(name)}",
            headers={**portal, "Content-Type": "application/pdf"},
            body=b"%PDF-1.4\n%%EOF",
        )
        assert reply.status_code == 200, (name, reply.json_body)
    names = {a["name"] for a in api.http.get(f"/v1/dossiers/{draft['id']}", headers=portal).json_body["attachments"]}
    assert {"danh sach NLD.pdf", "Danh sách người lao động (T4).pdf", "Đơn đề nghị.pdf"} <= names


def test_submit_refuses_a_presigned_upload_that_is_not_the_file_declared(
    api: Any, portal: dict[str, str], draft: dict[str, Any]
) -> None:
    """Issue 18, finding 9: a ticket was bound to nothing; any file of any size went in under it."""
    # GIVEN a ticket for a 7 MB scan, declared with its size and SHA-256
    scan = b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024)
    body = {"name": "list.pdf", "content_type": "application/pdf", "size": len(scan), "sha256": sha256(scan)}
    ticket = post_json(api, f"/v1/dossiers/{draft['id']}/uploads", body, portal).json_body
    assert ticket["headers"]["x-amz-checksum-sha256"]  # S3 itself refuses another body in AWS
    # WHEN another file of the same size is put under it (the local emulator does not check checksums)
    other = b"%PDF-1.4\n" + b"1" * (7 * 1024 * 1024)
    assert requests.put(ticket["url"], data=other, headers=ticket["headers"], timeout=30).status_code == 200
    refused = api.http.post(f"/v1/dossiers/{draft['id']}/submit", headers=portal)
    # THEN submit refuses it, naming the file, and the dossier stays a draft
    assert refused.status_code == 422
    error = refused.json_body["error"]
    assert (
        error["code"] == "upload_mismatch" and "list.pdf" in error["message"] and error["details"]["name"] == "list.pdf"
    )
    assert api.http.get(f"/v1/dossiers/{draft['id']}", headers=portal).json_body["status"] == "draft"
    # AND the declared file, put again, goes in with its checksum
    assert requests.put(ticket["url"], data=scan, headers=ticket["headers"], timeout=30).status_code == 200
    submitted = api.http.post(f"/v1/dossiers/{draft['id']}/submit", headers=portal).json_body
    assert {a["name"]: a["sha256"] for a in submitted["attachments"]} == {"list.pdf": sha256(scan)}
