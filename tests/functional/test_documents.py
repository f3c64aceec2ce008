"""Slips as the portal and clerks get them: numbered, stored once, downloaded, verified by anyone."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.adapters.store import store
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.findings import Finding
from chalicelib.services import documents
from tests.helpers import dossier_body, fresh_office, pdf_bytes

Headers = Callable[..., dict[str, str]]


def new_dossier(api: Any, token: Headers, office: str) -> Dossier:
    body = dossier_body(applicant={**dossier_body()["applicant"], "province_code": office})
    created = api.http.post(
        "/v1/dossiers", headers={**token("portal"), "Content-Type": "application/json"}, body=json.dumps(body)
    ).json_body
    api.http.post(f"/v1/dossiers/{created['id']}/submit", headers=token("portal"))
    dossier = store().get(created["id"])
    return store().save(dossier.model_copy(update={"due_date": date(2020, 5, 19)}))


FINDING = Finding(
    code="unknown_si_number",
    field="si_number",
    row=1,
    message="Mã số BHXH không có trong cơ sở dữ liệu.",
    suggestion="0123456780",
)


def with_slip(dossier: Dossier, kind: str, event: str = "test", **extra: Any) -> Dossier:
    ref = documents.issue(dossier, kind, event, **extra)
    return store().save(dossier.model_copy(update={"documents": [*dossier.documents, ref]}))


@pytest.fixture(scope="module")
def office() -> str:
    return fresh_office()


def test_a_slip_is_numbered_once_per_event_and_without_gaps(
    api: Any, token: Headers, office: str, signing_identity: Any
) -> None:
    dossier = new_dossier(api, token, office)
    first = documents.issue(dossier, "receipt", "accepted#1")
    again = documents.issue(dossier, "receipt", "accepted#1")  # a retried message
    second = documents.issue(dossier, "receipt", "accepted#2")
    year = first.issued_at.year
    assert first.number == f"000001/{year}/TNHS-{office}"
    assert again.number == first.number and again.sha256 == first.sha256
    assert second.number == f"000002/{year}/TNHS-{office}"


def test_concurrent_slips_of_one_office_get_distinct_consecutive_numbers(
    api: Any, token: Headers, signing_identity: Any
) -> None:
    office = fresh_office()
    dossiers = [new_dossier(api, token, office).model_copy(update={"findings": [FINDING]}) for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        refs = list(pool.map(lambda d: documents.issue(d, "correction_request", "needs_correction#1"), dossiers))
    assert sorted(int(r.number.split("/")[0]) for r in refs) == [1, 2, 3, 4, 5, 6]


def test_two_runs_of_one_step_racing_give_back_one_slip_that_verifies(
    api: Any, token: Headers, office: str, signing_identity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step's message seen again while its first run is still signing (the visibility timeout ran out
    under load, seen in the kill -9 test): both runs sign a PDF of the one number. Before, the second
    overwrote the stored PDF while the register kept the first's digest, and the slip the clerk
    downloaded was "not issued"."""
    from chalicelib.adapters.blobs import slips
    from chalicelib.adapters.slipbook import SlipBook

    dossier = new_dossier(api, token, office)
    record, second_run = SlipBook.record, []

    def late_record(book: SlipBook, slip: Any) -> Any:
        if not second_run:  # the first run, signed and stored, is overtaken before it records
            monkeypatch.setattr(SlipBook, "record", record)
            second_run.append(documents.issue(dossier, "receipt", "accepted#1"))
        return record(book, slip)

    monkeypatch.setattr(SlipBook, "record", late_record)
    first_run = documents.issue(dossier, "receipt", "accepted#1")
    (second,) = second_run
    assert (first_run.number, first_run.key, first_run.sha256) == (second.number, second.key, second.sha256)
    pdf = slips().get(first_run.key)
    answer = verify(api, pdf).json_body
    assert answer["valid"] is True and answer["issued_by_system"] is True, answer


def test_download_redirects_to_the_signed_pdf_which_pdfsig_trusts(
    api: Any, token: Headers, office: str, signing_identity: Any, tmp_path: Any
) -> None:
    dossier = new_dossier(api, token, office)
    dossier = with_slip(dossier.model_copy(update={"findings": [FINDING]}), "correction_request")
    reply = api.http.get(f"/v1/dossiers/{dossier.id}/documents/correction_request", headers=token("clerk", office))
    assert reply.status_code == 302
    pdf = requests.get(reply.headers["Location"], timeout=30).content
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    checked = subprocess.run(
        ["pdfsig", "-nssdir", str(signing_identity.nssdb), str(path)], capture_output=True, text=True
    )
    assert "Signature is Valid" in checked.stdout and "Certificate is Trusted" in checked.stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and dossier.portal_code in text


def test_download_is_for_the_portal_and_the_dossier_office_only(
    api: Any, token: Headers, office: str, signing_identity: Any
) -> None:
    dossier = with_slip(new_dossier(api, token, office), "refusal", reasons=["Đơn vị đã giải thể."])
    path = f"/v1/dossiers/{dossier.id}/documents/refusal"
    assert api.http.get(path, headers=token("portal")).status_code == 302
    assert api.http.get(path, headers=token("clerk", "999" if office != "999" else "998")).status_code == 403
    assert api.http.get(path, headers=token("authority", office)).status_code == 403
    assert api.http.get(path).status_code == 401
    assert (
        api.http.get(f"/v1/dossiers/{dossier.id}/documents/receipt", headers=token("portal")).json_body["error"]["code"]
        == "document_not_found"
    )
    assert (
        api.http.get(f"/v1/dossiers/{dossier.id}/documents/lottery", headers=token("portal")).json_body["error"]["code"]
        == "unknown_document_kind"
    )


@pytest.fixture(scope="module")
def issued(api: Any, signing_identity: Any) -> tuple[Dossier, bytes]:
    from chalicelib.api.auth import issue_local_token

    def token(role: str, office: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {issue_local_token(role, office, authority='province' if role == 'authority' else None)}"
        }

    dossier = new_dossier(api, token, "031")
    dossier = with_slip(dossier, "receipt")
    ref = dossier.documents[-1]
    from chalicelib.adapters.blobs import slips

    return dossier, slips().get(ref.key)


def verify(api: Any, body: bytes) -> Any:
    return api.http.post("/v1/verify", headers={"Content-Type": "application/pdf"}, body=body)


def test_verify_recognises_a_slip_the_system_issued(api: Any, issued: tuple[Dossier, bytes]) -> None:
    dossier, pdf = issued
    answer = verify(api, pdf).json_body
    assert answer["valid"] is True and answer["issued_by_system"] is True
    # the local stage's own TSA stamped it (PAdES B-LT), and the local stage trusts that TSA
    assert answer["timestamped_at"] is not None
    assert answer["document"] == {
        "kind": "receipt",
        "number": dossier.documents[-1].number,
        "portal_code": dossier.portal_code,
    }


def test_verify_catches_one_changed_byte(api: Any, issued: tuple[Dossier, bytes]) -> None:
    _, pdf = issued
    at = pdf.index(b"/Contents") - 400  # inside the signed content, before the signature
    altered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    answer = verify(api, altered)
    assert answer.status_code == 200
    assert answer.json_body["valid"] is False and answer.json_body["issued_by_system"] is False


def test_a_slip_signed_with_our_key_but_never_issued_is_not_issued_by_the_system(
    api: Any, issued: tuple[Dossier, bytes]
) -> None:
    from chalicelib.documents import render_slip
    from chalicelib.documents.examples import example_slip

    forged = documents.signer().sign(render_slip(example_slip("receipt", number="999999/2020/TNHS-031")))
    answer = verify(api, forged).json_body
    assert answer["valid"] is True and answer["issued_by_system"] is False
    # and it says why, in both languages: our key, but the slip register holds no such slip
    (problem,) = [p for p in answer["problems"] if p["code"] == "not_issued"]
    assert "sổ phiếu" in problem["message"] and "slip register" in problem["message_en"]


def test_a_genuine_slip_has_no_problem(api: Any, issued: tuple[Dossier, bytes]) -> None:
    _, pdf = issued
    assert verify(api, pdf).json_body["problems"] == []


def test_slips_signed_before_a_key_rotation_stay_ours(
    api: Any, issued: tuple[Dossier, bytes], local_stack: dict[str, str], tmp_path: Path, monkeypatch: Any
) -> None:
    # GIVEN the stage rotated its signing key: a new certificate (of a new key) heads the chain
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from chalicelib.config import settings
    from chalicelib.local import pki

    _, pdf = issued
    state = Path(local_stack["state_dir"])
    ca_key, ca_cert = pki._ensure_ca(state)
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    new_cert = pki._issue_signing_cert(
        new_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        ca_key,
        ca_cert,
    )
    chain = tmp_path / "chain.pem"
    chain.write_bytes(new_cert.public_bytes(serialization.Encoding.PEM) + (state / "ca.pem").read_bytes())
    old_cert = (state / "signing-cert.pem").read_bytes()
    history = tmp_path / "history.pem"
    monkeypatch.setenv("MOTCUA_SIGNING_CHAIN", str(chain))
    monkeypatch.setenv("MOTCUA_SIGNING_HISTORY", str(history))
    try:
        # WHEN the history lost the old certificate, THEN the old slip is no longer ours (the test can fail)
        history.write_bytes(b"")
        settings.cache_clear()
        forgotten = verify(api, pdf).json_body
        assert forgotten["issued_by_system"] is False and "not_our_key" in [p["code"] for p in forgotten["problems"]]
        # WHEN rotation kept it, as it must, THEN the slip signed before the rotation is still issued by the system
        history.write_bytes(old_cert)
        settings.cache_clear()
        kept = verify(api, pdf).json_body
        assert kept["issued_by_system"] is True and kept["problems"] == []
    finally:
        monkeypatch.undo()
        settings.cache_clear()


@pytest.mark.parametrize(
    "body,status,code",
    [(b"", 422, "empty_body"), (b"\x00garbage\xff" * 100, 422, "not_a_pdf"), (b"%PDF-1.4\n%%EOF", 200, None)],
)
def test_verify_answers_bad_input_clearly(api: Any, body: bytes, status: int, code: str | None) -> None:
    reply = verify(api, body)
    assert reply.status_code == status
    if code:
        assert reply.json_body["error"]["code"] == code
    else:
        assert reply.json_body["valid"] is False and reply.json_body["issued_by_system"] is False


def test_an_unsigned_pdf_is_not_valid(api: Any) -> None:
    answer = verify(api, pdf_bytes()).json_body
    assert (answer["valid"], answer["issued_by_system"]) == (False, False)
    assert [p["code"] for p in answer["problems"]] == ["not_signed"]


def test_verify_refuses_a_body_over_2_mb_before_reading_it(api: Any, issued: tuple[Dossier, bytes]) -> None:
    # GIVEN a genuine slip padded past the public route's cap, and one padded to just under it
    _, pdf = issued
    limit = 2 * 1024 * 1024
    over = pdf + b"%" + b"x" * (limit - len(pdf))
    under = pdf + b"\n%" + b"x" * (limit - len(pdf) - 3)
    # WHEN both are sent
    refused, answered = verify(api, over), verify(api, under)
    # THEN the large one is a 413 in both languages, the other one is read (and is not the slip any more)
    assert refused.status_code == 413
    error = refused.json_body["error"]
    assert error["code"] == "verify_too_large" and "2 MB" in error["message"] and "2 MB" in error["message_en"]
    assert answered.status_code == 200 and answered.json_body["issued_by_system"] is False
    # AND the public form says it in a page, with the same status
    boundary = "b0undary"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="phieu.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + over
        + f"\r\n--{boundary}--\r\n".encode()
    )
    page = api.http.post(
        "/v1/verify",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "text/html"},
        body=form,
    )
    assert page.status_code == 413 and "2 MB" in page.body.decode()


def test_with_b_lta_configured_the_stage_issues_archive_stamped_slips_that_verify(
    api: Any, token: Headers, office: str, signing_identity: Any, monkeypatch: Any
) -> None:
    """Issue 18, finding 4: B-LTA where configured. Before, the stage had no such setting, and
    /v1/verify judged the last signature of a file, which in a B-LTA slip is the TSA's document
    timestamp: "not our key", never "issued"."""
    from chalicelib.adapters.blobs import slips
    from chalicelib.config import settings
    from chalicelib.documents.verify import verify_pdf

    assert settings().tsa_url  # the local stage's own TSA (B-LT); B-LTA stamps the document with it again
    monkeypatch.setenv("MOTCUA_SLIP_LTA", "true")
    settings.cache_clear()
    documents.signer.cache_clear()
    try:
        dossier = with_slip(new_dossier(api, token, office), "receipt", event="lta")
        pdf = slips().get(dossier.documents[-1].key)
    finally:
        monkeypatch.undo()
        settings.cache_clear()
        documents.signer.cache_clear()
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert len(PdfFileReader(io.BytesIO(pdf)).embedded_timestamp_signatures) == 1
    answer = verify(api, pdf).json_body
    assert answer["valid"] is True and answer["issued_by_system"] is True and answer["problems"] == []
    assert answer["timestamped_at"] is not None and answer["archived_at"] is not None
    # and the slip's own signature is what was judged: ours, under the stage's roots
    assert verify_pdf(pdf, documents.trust_roots(), []).problems == ("not_our_key",)
