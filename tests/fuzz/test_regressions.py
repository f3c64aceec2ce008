"""The 5xx (and the silently lost value) that hostile input found, each pinned by the request that
found it. Through Chalice's test client on the real app and the session's emulator, like the
functional tests: fast, and the same route code as behind `motcua serve`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.api.errors import response_for
from chalicelib.domain.dossier import DecisionBody
from chalicelib.errors import InvalidInput
from tests.helpers import dossier_body


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/v1/dossiers", "/v1/dossiers/{id}/uploads", "/v1/dossiers/{id}/decision"])
def test_json_nested_deeper_than_the_parser_goes_is_a_400_not_a_500(
    api: Any, token: Callable[..., dict[str, str]], path: str
) -> None:
    # GIVEN a dossier, and a body of 100 000 opening brackets (json.loads raised RecursionError: a 500)
    portal = token("portal")
    dossier_id = api.http.post("/v1/dossiers", headers=portal, body=json.dumps(dossier_body())).json_body["id"]
    caller = (
        token("clerk", "031") if path.endswith("decision") else portal
    )  # the office's clerk may reach a draft's decision
    # WHEN it is posted
    reply = api.http.post(
        path.format(id=dossier_id), headers={**caller, "Content-Type": "application/json"}, body="[" * 100_000
    )
    # THEN it is refused as malformed JSON
    assert (reply.status_code, reply.json_body["error"]["code"]) == (400, "malformed_json")


def test_a_forged_worklist_cursor_is_a_422_and_a_real_one_still_pages(
    api: Any, token: Callable[..., dict[str, str]]
) -> None:
    # GIVEN two dossiers of office 031 and a clerk's real cursor after the first
    portal, clerk = token("portal"), token("clerk", "031")
    for _ in range(2):
        api.http.post("/v1/dossiers", headers=portal, body=json.dumps(dossier_body()))
    real = api.http.get("/v1/dossiers?limit=1", headers=clerk).json_body["next"]
    key = json.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    forged = {
        "another attribute": {"x": {"S": "a"}, **key},  # DynamoDB: ValidationException, was a 500
        "a key missing": {k: v for k, v in key.items() if k != "created_at"},  # was a 500
        "an empty key": {**key, "id": {"S": ""}},
        "another office": {**key, "office": {"S": "079"}},
        "a number": {**key, "id": {"N": "1"}},
        "deep nesting": "[" * 50_000,  # RecursionError, was a 500
    }
    # WHEN each forged cursor is sent back
    answers = {}
    for name, value in forged.items():
        cursor = _cursor(value) if not isinstance(value, str) else base64.urlsafe_b64encode(value.encode()).decode()
        reply = api.http.get(f"/v1/dossiers?limit=1&next={cursor}", headers=clerk)
        answers[name] = (reply.status_code, (reply.json_body.get("error") or {}).get("code"))
    # THEN each is the client's error, and the real cursor still reads the next page
    assert answers == dict.fromkeys(forged, (422, "invalid_cursor"))
    assert api.http.get(f"/v1/dossiers?limit=1&next={real}", headers=clerk).status_code == 200


def test_a_portal_callback_signature_with_non_ascii_characters_is_a_422_not_a_500(
    local_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # hmac.compare_digest raised TypeError on a str with non-ASCII characters
    import time

    from chalicelib.config import settings
    from chalicelib.local import portal

    monkeypatch.setenv("MOTCUA_PORTAL_CALLBACK_SECRET", "s3cret")
    settings.cache_clear()
    headers = {
        "X-Motcua-Timestamp": str(int(time.time())),
        "X-Motcua-Nonce": "n" * 16,
        "X-Motcua-Signature": "sha256=\u00e9",
    }
    with pytest.raises(InvalidInput) as refused:
        portal.receive(b'{"dossier_id": "x", "seq": 1}', headers)
    assert (response_for(refused.value).status_code, refused.value.code) == (422, "bad_signature")


@pytest.mark.parametrize("amount", ["1e999", "-1e999", "Infinity", "NaN"])
def test_a_decision_amount_must_be_a_finite_number(amount: str) -> None:
    # JSON's 1e999 is float('inf'): it passed ge=0, was answered 200, and was saved as null
    with pytest.raises(ValidationError):
        DecisionBody.model_validate_json(f'{{"result": "approved", "amount": {amount}}}')
    assert DecisionBody.model_validate_json('{"result": "approved", "amount": 1e15}').amount == 1e15


def test_a_method_no_route_has_is_a_405_on_the_local_server_not_a_501(hostile_stack: Any) -> None:
    # The standard library's HTTP server answers 501 (a server error) to methods it has no do_X for
    import requests

    for method in ("TRACE", "PROPFIND"):
        reply = requests.request(method, f"{hostile_stack.base}/v1/dossiers", timeout=30)
        assert (reply.status_code, reply.json()["error"]["code"]) == (405, "method_not_allowed")
        assert reply.headers["Allow"] == "GET, POST"
    assert requests.get(f"{hostile_stack.base}/v1/health", timeout=30).status_code == 200


def test_a_file_that_takes_longer_than_its_budget_reports_the_pages_it_did_not_read() -> None:
    # A TIFF of 200 blank 80-megapixel pages is a few MB and takes longer to OCR than the extract
    # function may run: it timed out on every retry. Now pages past the budget are reported unread.
    import io

    from PIL import Image

    from chalicelib.extraction.extract import OVER_BUDGET, extract_document

    frames = [Image.new("L", (400, 400), 255) for _ in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_adobe_deflate")
    result = extract_document(buffer.getvalue(), "image/tiff", "worker_list.tif", budget_seconds=0)
    assert [(p.number, p.error) for p in result.pages] == [(n, OVER_BUDGET) for n in range(1, 6)]
    assert [p.code for p in result.problems] == ["unreadable_attachment"] * 5


def test_a_signature_check_that_cannot_load_its_library_fails_instead_of_calling_the_file_unsigned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under load a worker got _DeadlockError importing pyHanko lazily inside verify_pdf's try block,
    # which turned it into "damaged": a signed request was reported as `signature_missing`. An import
    # that fails must fail the step (retried), never become a verdict on the applicant's file.
    import sys

    from chalicelib.documents.verify import verify_pdf
    from tests.helpers import pdf_bytes

    data = pdf_bytes("De nghi")
    assert verify_pdf(data, b"", []).problems == ("not_signed",)  # the library loads: a verdict
    monkeypatch.setitem(sys.modules, "pyhanko.sign.validation.pdf_embedded", None)  # it cannot
    with pytest.raises(ImportError):
        verify_pdf(data, b"", [])
