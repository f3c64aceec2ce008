"""The signer is the applicant, under whatever CA the operator trusts: through the real check step.

Certificates come from another CA than the local demo's (`tests/other_ca.py`), which the operator
trusts by a directory named in `MOTCUA_TRUST_ANCHORS`, the demo CA added as the local stage does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.x509.oid import NameOID

from chalicelib.checks.trust import with_local_ca
from chalicelib.config import settings
from tests.functional.world import Fixture
from tests.helpers import pdf_bytes
from tests.other_ca import NOW, OtherCA, company, self_signed, sign
from tests.scans.generate import Document, render_pdf
from tests.scans.generate import Worker as ScanWorker

OTHER_UNIT = "0101234567"
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def other_ca() -> OtherCA:
    return OtherCA("CA Chữ ký số Khác (thử nghiệm)")


@pytest.fixture
def trusted(other_ca: OtherCA, world: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OtherCA:
    """The operator's anchors: a directory holding the other CA's root; the local demo CA added."""
    operator = str(other_ca.write(tmp_path / "vn-ca"))
    monkeypatch.setenv("MOTCUA_TRUST_ANCHORS", with_local_ca(operator, world.state_dir / "employer-ca.pem"))
    settings.cache_clear()
    return other_ca


def submit(world: Fixture, request: bytes, rows: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    """A dossier of the world's unit for the workers of `rows` (each claimed once per world), through the checks."""
    workers = [world.worker(i) for i in rows]
    unit = world.unit
    listed = Document(unit.unit_code, unit.tax_code, unit.unit_name, [ScanWorker(**w) for w in workers])
    return world.run(world.submit(workers, attachments={"request.pdf": request, "worker_list.pdf": render_pdf(listed)}))


def signature_findings(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in dossier["findings"] if f["code"].startswith("signature")]


REQUEST = pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong")

Case = Callable[[OtherCA, str], bytes]
CASES: dict[str, tuple[Case, str, tuple[str, ...]]] = {
    # name: (the request as signed, finding code, what its message must say ("{tax}": the applicant's tax code))
    "another_company": (
        lambda ca, tax: sign(REQUEST, ca.issue(company(OTHER_UNIT, "Công ty CP Khác"))),
        "signature_not_applicant",
        (f"là của đơn vị mã số thuế {OTHER_UNIT}", "không phải của đơn vị nộp hồ sơ (mã số thuế {tax})"),
    ),
    "no_tax_code": (
        lambda ca, tax: sign(REQUEST, ca.issue([(NameOID.COMMON_NAME, "Công ty TNHH Không Mã")])),
        "signature_not_applicant",
        ("không ghi mã số thuế", "mã số thuế {tax}"),
    ),
    "expired": (
        lambda ca, tax: sign(REQUEST, ca.issue(company(tax), not_before=NOW - DAY * 800, not_after=NOW - DAY * 400)),
        "signature_invalid",
        ("đã hết hiệu lực từ", "trước thời điểm ký"),
    ),
    "not_yet_valid": (
        lambda ca, tax: sign(REQUEST, ca.issue(company(tax), not_before=NOW + DAY * 30, not_after=NOW + DAY * 400)),
        "signature_invalid",
        ("chỉ có hiệu lực từ", "sau thời điểm ký"),
    ),
    "unknown_root": (
        lambda ca, tax: sign(REQUEST, OtherCA("CA Lạ").issue(company(tax))),
        "signature_invalid",
        ("Chứng thư số của người ký không được tin cậy", "«CA Lạ»"),
    ),
    "self_signed": (
        lambda ca, tax: sign(REQUEST, self_signed(company(tax, "Công ty Tự Ký"))),
        "signature_invalid",
        ("không được tin cậy", "tự cấp", "Công ty Tự Ký"),
    ),
    "two_foreign_signatures": (
        lambda ca, tax: sign(sign(REQUEST, ca.issue(company(OTHER_UNIT))), ca.issue(company("0100109106")), "Sig2"),
        "signature_not_applicant",
        (OTHER_UNIT, "mã số thuế {tax}"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_what_the_applicant_gets_for_a_bad_signature(world: Fixture, trusted: OtherCA, case: str) -> None:
    # GIVEN a request signed as the case says, under the other CA the operator trusts (unless said otherwise)
    make, code, says = CASES[case]
    # WHEN the dossier goes through the check step
    dossier = submit(world, make(trusted, world.unit.tax_code))
    # THEN exactly one signature finding, of that code, in words that name what is wrong
    [finding] = signature_findings(dossier)
    assert finding["code"] == code and finding["field"] == "attachments"
    for text in says:
        assert text.replace("{tax}", world.unit.tax_code) in finding["message"], finding["message"]
    assert "request.pdf" in finding["message"]
    assert dossier["status"] == "needs_correction"
    assert [d["kind"] for d in dossier["documents"]] == ["correction_request"]


@pytest.mark.parametrize(
    "subject",
    [
        "uid",  # UID=MST:<tax>, as VNPT-CA and Viettel-CA write it
        "cn",  # "... - MST: <tax>" inside the CN
        "serial",  # serialNumber=MST:<tax>
    ],
)
def test_signed_by_the_applicant_under_another_trusted_ca(world: Fixture, trusted: OtherCA, subject: str) -> None:
    tax = world.unit.tax_code
    names = {
        "uid": company(tax, world.unit.unit_name),
        "cn": [(NameOID.COMMON_NAME, f"{world.unit.unit_name.upper()} - MST: {tax}")],
        "serial": [(NameOID.COMMON_NAME, world.unit.unit_name), (NameOID.SERIAL_NUMBER, f"MST:{tax}")],
    }
    dossier = submit(world, sign(REQUEST, trusted.issue(names[subject])))
    assert signature_findings(dossier) == []
    assert dossier["status"] == "accepted", dossier["findings"]


def test_the_applicant_and_a_foreign_signature(world: Fixture, trusted: OtherCA) -> None:
    """A foreign extra signature that is valid does not bounce the applicant's; nor does one whose CA
    we do not trust (it takes nothing from the applicant's)."""
    ours = trusted.issue(company(world.unit.tax_code, world.unit.unit_name))
    both = sign(sign(REQUEST, ours), trusted.issue(company(OTHER_UNIT)), "Sig2")
    assert submit(world, both)["status"] == "accepted"
    stranger = sign(sign(REQUEST, self_signed(company(OTHER_UNIT))), ours, "Sig2")
    dossier = submit(world, stranger, rows=(4, 5))  # other workers: the first dossier claimed its own
    assert signature_findings(dossier) == [] and dossier["status"] == "accepted"


def test_the_demo_ca_stays_trusted_next_to_the_operators(world: Fixture, trusted: OtherCA) -> None:
    from chalicelib.local.employer import sign_as_employer

    dossier = submit(world, sign_as_employer(REQUEST, world.employer))  # the local demo employer, as the unit
    assert signature_findings(dossier) == [] and dossier["status"] == "accepted"


def test_the_ocsp_answer_is_kept_with_the_dossier_and_a_revoked_certificate_is_bounced(
    world: Fixture, trusted: OtherCA
) -> None:
    """Issue 18, finding 2: revocation evidence kept with the dossier. Before, the record said
    `good` and kept nothing to show it by once the CA's responder forgot the answer."""
    from asn1crypto import ocsp

    from chalicelib.adapters.aws import client
    from chalicelib.adapters.store import store
    from tests.other_ca import RevocationService

    service = RevocationService(trusted)
    try:
        # GIVEN the applicant's certificate names the CA's OCSP responder (on loopback), which answers "good"
        good = submit(world, sign(REQUEST, service.issue(company(world.unit.tax_code))), rows=(0, 1))
        # WHEN a second dossier is signed with a certificate the CA has revoked
        revoked = submit(world, sign(REQUEST, service.issue(company(world.unit.tax_code), revoked=True)), rows=(4, 5))
    finally:
        service.stop()
    # THEN the first is accepted, its record says revocation was checked and where the answer is kept
    assert good["status"] == "accepted" and signature_findings(good) == []
    record = store().get(good["id"]).attachments["request.pdf"].signature
    assert record is not None and record["revocation"] == "good"
    (evidence,) = record["signers"][0]["revocation_evidence"]
    bucket, _, key = evidence["stored"].removeprefix("s3://").partition("/")
    assert key == f"dossiers/{good['id']}/revocation/{evidence['sha256']}.ocsp"
    der = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    answer = ocsp.OCSPResponse.load(der)["response_bytes"]["response"].parsed
    assert answer["tbs_response_data"]["responses"][0]["cert_status"].name == "good"
    # AND the second is bounced: the applicant reads that the certificate was revoked, the record keeps the proof
    [finding] = signature_findings(revoked)
    assert finding["code"] == "signature_invalid" and "đã bị thu hồi" in finding["message"]
    kept = store().get(revoked["id"]).attachments["request.pdf"].signature
    assert kept is not None and kept["revocation"] == "revoked" and "revoked" in kept["reason"]["en"]
    assert [e["kind"] for e in kept["signers"][0]["revocation_evidence"]] == ["ocsp"]
