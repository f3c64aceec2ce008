"""The applicant's signature judged on its own (`chalicelib.checks.signature`), with certificates of
another CA than the local demo's (`tests/other_ca.py`), and where the trust anchors come from."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from chalicelib.checks.signature import RevocationUnavailable, judge_signatures, signer_identity
from chalicelib.checks.trust import RevocationPolicy, TrustAnchorsError, load_anchors, with_local_ca
from chalicelib.config import settings
from tests.helpers import pdf_bytes
from tests.other_ca import NOW, UID, OtherCA, RevocationService, company, self_signed, sign

OURS, THEIRS = "0201036976", "0101234567"
APPLICANT = SimpleNamespace(tax_code=OURS)
LABEL = "Văn bản đề nghị"


@pytest.fixture(scope="module")
def ca() -> OtherCA:
    return OtherCA()


@pytest.fixture(scope="module")
def request_pdf() -> bytes:
    return pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong")


def judge(data: bytes, ca: OtherCA, applicant: object = APPLICANT, **kw: object):
    return judge_signatures(data, applicant, ca.pem, attachment="request.pdf", label=LABEL, **kw)  # type: ignore


# --- who signed -------------------------------------------------------------------------------


def test_signed_by_the_applicant_under_another_trusted_ca_is_accepted(ca: OtherCA, request_pdf: bytes) -> None:
    verdict = judge(sign(request_pdf, ca.issue(company(OURS))), ca)
    assert verdict.finding() is None and verdict.valid
    assert verdict.revocation == "not_checked"  # the certificate names no OCSP/CRL address
    [signer] = verdict.signers
    assert signer.tax_codes == (OURS,) and signer.applicant is True and signer.trusted
    assert verdict.as_record()["signers"][0]["tax_codes"] == [OURS]


@pytest.mark.parametrize(
    "subject",
    [
        [(NameOID.COMMON_NAME, f"CÔNG TY TNHH MAY MẶC - MST: {OURS}")],
        [(NameOID.COMMON_NAME, "Công ty TNHH May mặc"), (NameOID.SERIAL_NUMBER, f"MST:{OURS}")],
        [(NameOID.COMMON_NAME, "Công ty TNHH May mặc"), (UID, f"MST:{OURS}-001")],  # a branch's certificate...
    ],
    ids=["mst-in-cn", "mst-in-serialnumber", "branch"],
)
def test_the_tax_code_is_found_where_vietnamese_cas_write_it(ca: OtherCA, request_pdf: bytes, subject: list) -> None:
    branch = subject[-1][1].endswith("-001")
    applicant = SimpleNamespace(tax_code=f"{OURS}-001" if branch else OURS)  # ...for the branch
    verdict = judge(sign(request_pdf, ca.issue(subject)), ca, applicant)
    assert verdict.finding() is None, verdict.reason


def test_a_branch_certificate_does_not_sign_for_the_head_office(ca: OtherCA, request_pdf: bytes) -> None:
    finding = judge(sign(request_pdf, ca.issue(company(f"{OURS}-001"))), ca).finding()
    assert finding is not None and finding.code == "signature_not_applicant"


def test_signed_by_a_valid_trusted_certificate_of_another_company_is_refused(ca: OtherCA, request_pdf: bytes) -> None:
    verdict = judge(sign(request_pdf, ca.issue(company(THEIRS, "Công ty CP Khác"))), ca)
    finding = verdict.finding()
    assert finding is not None and finding.code == "signature_not_applicant"
    assert finding.message == (
        f"Chữ ký số trên «{LABEL}» là của đơn vị mã số thuế {THEIRS}, "
        f"không phải của đơn vị nộp hồ sơ (mã số thuế {OURS})."
    )
    assert OURS in (finding.suggestion or "")
    assert THEIRS in verdict.reason_en and OURS in verdict.reason_en
    # the caller may name the attachment as the component it was taken for
    assert verdict.finding(("tệp request.pdf (Văn bản đề nghị hỗ trợ)", "file request.pdf")).message.startswith(  # type: ignore[union-attr]
        "Chữ ký số trên tệp request.pdf (Văn bản đề nghị hỗ trợ) là của đơn vị mã số thuế"
    )


def test_a_certificate_naming_no_tax_code(ca: OtherCA, request_pdf: bytes) -> None:
    finding = judge(sign(request_pdf, ca.issue([(NameOID.COMMON_NAME, "Công ty TNHH Không Ghi Mã")])), ca).finding()
    assert finding is not None and finding.code == "signature_not_applicant"
    assert "không ghi mã số thuế" in finding.message and OURS in finding.message
    assert "Công ty TNHH Không Ghi Mã" in finding.message


def test_an_individuals_certificate_for_a_unit_names_the_id_and_the_tax_code(ca: OtherCA, request_pdf: bytes) -> None:
    person = [(NameOID.COMMON_NAME, "Nguyễn Văn An"), (UID, "CCCD:031085123456")]
    finding = judge(sign(request_pdf, ca.issue(person)), ca).finding()
    assert finding is not None and finding.code == "signature_not_applicant"
    assert "CCCD 031085123456" in finding.message and OURS in finding.message


def test_a_worker_filing_for_themselves_is_matched_on_their_id_number(ca: OtherCA, request_pdf: bytes) -> None:
    worker = SimpleNamespace(tax_code=None)
    signed = sign(request_pdf, ca.issue([(NameOID.COMMON_NAME, "Nguyễn Văn An"), (UID, "CCCD:031085123456")]))
    assert judge(signed, ca, worker, id_number="031085123456").finding() is None
    other = judge(signed, ca, worker, id_number="031190000111").finding()
    assert other is not None and other.code == "signature_not_applicant" and "031190000111" in other.message
    assert judge(signed, ca, worker).finding() is None  # nothing to compare with: not held against the applicant


# --- when and under which root -----------------------------------------------------------------


def test_expired_at_signing_time(ca: OtherCA, request_pdf: bytes) -> None:
    expired = ca.issue(company(OURS), not_before=NOW - dt.timedelta(days=800), not_after=NOW - dt.timedelta(days=400))
    finding = judge(sign(request_pdf, expired), ca).finding()
    assert finding is not None and finding.code == "signature_invalid"
    assert "đã hết hiệu lực từ" in finding.message and "trước thời điểm ký" in finding.message
    assert "không được tin cậy" not in finding.message  # the chain itself is fine: one reason, the right one


def test_not_yet_valid_at_signing_time(ca: OtherCA, request_pdf: bytes) -> None:
    early = ca.issue(company(OURS), not_before=NOW + dt.timedelta(days=30), not_after=NOW + dt.timedelta(days=400))
    verdict = judge(sign(request_pdf, early), ca)
    finding = verdict.finding()
    assert finding is not None and finding.code == "signature_invalid"
    assert "chỉ có hiệu lực từ" in finding.message and "after the signing time" in verdict.reason_en


def test_a_signature_made_while_valid_stays_valid_after_expiry(ca: OtherCA, request_pdf: bytes) -> None:
    lapsed = ca.issue(company(OURS), not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=10))
    verdict = judge(sign(request_pdf, lapsed, signed_at=NOW - dt.timedelta(days=20)), ca)  # signed while it was valid
    assert verdict.finding() is None, verdict.reason
    assert verdict.signers[0].signed_at is not None and verdict.signers[0].signed_at < NOW - dt.timedelta(days=19)


def test_a_signing_time_claimed_in_the_future(ca: OtherCA, request_pdf: bytes) -> None:
    later = ca.issue(company(OURS), not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=400))
    finding = judge(sign(request_pdf, later, signed_at=NOW + dt.timedelta(days=30)), ca).finding()
    assert finding is not None and finding.code == "signature_invalid" and "muộn hơn thời điểm" in finding.message


def test_a_chain_to_an_unknown_root(ca: OtherCA, request_pdf: bytes) -> None:
    unknown = OtherCA("CA Không Ai Biết")
    verdict = judge(sign(request_pdf, unknown.issue(company(OURS))), ca)
    finding = verdict.finding()
    assert finding is not None and finding.code == "signature_invalid"
    assert "Chứng thư số của người ký không được tin cậy" in finding.message and "«CA Không Ai Biết»" in finding.message
    assert "not trusted" in verdict.reason_en


def test_a_self_signed_certificate(ca: OtherCA, request_pdf: bytes) -> None:
    finding = judge(sign(request_pdf, self_signed(company(OURS, "Công ty Tự Ký"))), ca).finding()
    assert finding is not None and finding.code == "signature_invalid"
    assert "không được tin cậy" in finding.message and "tự cấp" in finding.message
    assert "Công ty Tự Ký" in finding.message


def test_no_anchors_at_all_trusts_nobody(ca: OtherCA, request_pdf: bytes) -> None:
    verdict = judge_signatures(sign(request_pdf, ca.issue(company(OURS))), APPLICANT, b"", attachment="request.pdf")
    assert verdict.code == "signature_invalid" and "không được tin cậy" in verdict.reason


# --- several signatures ----------------------------------------------------------------------


def test_the_applicant_and_a_valid_foreign_signature(ca: OtherCA, request_pdf: bytes) -> None:
    ours, theirs = ca.issue(company(OURS)), ca.issue(company(THEIRS))
    for data in (sign(sign(request_pdf, ours), theirs, "Sig2"), sign(sign(request_pdf, theirs), ours, "Sig2")):
        verdict = judge(data, ca)
        assert verdict.finding() is None
        assert [s.applicant for s in verdict.signers] in ([True, False], [False, True])


def test_a_foreign_signature_we_do_not_trust_does_not_bounce_the_applicants(ca: OtherCA, request_pdf: bytes) -> None:
    verdict = judge(sign(sign(request_pdf, ca.issue(company(OURS))), self_signed(company(THEIRS)), "Sig2"), ca)
    assert verdict.finding() is None
    assert verdict.signers[1].problems == ("self_signed",)  # kept in the record for the clerk


def test_two_foreign_signatures_and_none_of_the_applicant(ca: OtherCA, request_pdf: bytes) -> None:
    data = sign(sign(request_pdf, ca.issue(company(THEIRS))), ca.issue(company("0100109106")), "Sig2")
    finding = judge(data, ca).finding()
    assert finding is not None and finding.code == "signature_not_applicant"
    assert THEIRS in finding.message and OURS in finding.message


def test_content_changed_after_the_applicant_signed_then_signed_by_another(ca: OtherCA, request_pdf: bytes) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    ours = sign(request_pdf, ca.issue(company(OURS)))
    writer = IncrementalPdfFileWriter(io.BytesIO(ours), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    other_text = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (So tien: 999 000 000) Tj ET")
    page["/Contents"] = writer.add_object(other_text)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    verdict = judge(sign(out.getvalue(), ca.issue(company(THEIRS)), "Sig2"), ca)
    finding = verdict.finding()
    assert finding is not None and finding.code == "signature_invalid"
    assert "bị sửa sau khi" in finding.message and "modified_after_signing" in verdict.signers[0].problems


def test_a_byte_changed_after_signing(ca: OtherCA, request_pdf: bytes) -> None:
    data = bytearray(sign(request_pdf, ca.issue(company(OURS))))
    at = data.find(b"/MediaBox")
    data[at + 1] = ord("N")  # the signed bytes are not what was signed any more
    finding = judge(bytes(data), ca).finding()
    assert finding is not None and finding.code == "signature_invalid"


def test_unsigned_and_not_a_pdf(ca: OtherCA, request_pdf: bytes) -> None:
    from chalicelib.documents.verify import VerificationError

    finding = judge(request_pdf, ca).finding()
    assert finding is not None and finding.code == "signature_missing"
    assert finding.message.startswith(f"«{LABEL}» chưa có chữ ký số")
    with pytest.raises(VerificationError):
        judge(b"GIF89a", ca)


def test_identity_in_subject_attributes() -> None:
    assert signer_identity([("2.5.4.3", "MST:0101234567 CMND:031234567")]) == (("0101234567",), ("031234567",))
    assert signer_identity([("0.9.2342.19200300.100.1.1", "0101234567")]) == (("0101234567",), ())
    assert signer_identity([("2.5.4.3", "Số 12345678901 đường MST")]) == ((), ())


# --- revocation --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def responder(ca: OtherCA) -> Iterator[RevocationService]:
    service = RevocationService(ca)
    yield service
    service.stop()


def test_revocation_good_and_revoked_when_answered(
    ca: OtherCA, request_pdf: bytes, responder: RevocationService
) -> None:
    good = judge(sign(request_pdf, responder.issue(company(OURS))), ca)
    assert good.finding() is None and good.revocation == "good" and good.as_record()["revocation"] == "good"
    revoked = judge(sign(request_pdf, responder.issue(company(OURS), revoked=True)), ca)
    finding = revoked.finding()
    assert finding is not None and finding.code == "signature_invalid" and "đã bị thu hồi" in finding.message
    assert revoked.revocation == "revoked" and "revoked" in revoked.reason_en


@pytest.mark.parametrize("via", ["ocsp", "crl"])
def test_the_revocation_answer_is_kept_as_evidence_good_or_revoked(
    ca: OtherCA, request_pdf: bytes, responder: RevocationService, via: str
) -> None:
    """Issue 18, finding 2: the record said `good` or `revoked` and kept nothing to prove it by."""
    from asn1crypto import crl, ocsp

    good = judge(sign(request_pdf, responder.issue(company(OURS), via=via)), ca)
    assert good.finding() is None and good.revocation == "good"
    (evidence,) = good.signers[0].evidence
    assert evidence.kind == via
    if via == "ocsp":
        answer = ocsp.OCSPResponse.load(evidence.der)["response_bytes"]["response"].parsed
        assert answer["tbs_response_data"]["responses"][0]["cert_status"].name == "good"
    else:
        assert len(crl.CertificateList.load(evidence.der)["tbs_cert_list"]["revoked_certificates"]) == len(
            responder.revoked
        )
    kept = good.as_record()["signers"][0]["revocation_evidence"]
    assert kept == [{"kind": via, "sha256": evidence.sha256, "bytes": len(evidence.der)}]
    revoked = judge(sign(request_pdf, responder.issue(company(OURS), revoked=True, via=via)), ca)
    finding = revoked.finding()
    assert finding is not None and finding.code == "signature_invalid" and "đã bị thu hồi" in finding.message
    assert "has been revoked" in revoked.as_record()["reason"]["en"]
    assert revoked.revocation == "revoked" and [e.kind for e in revoked.signers[0].evidence] == [via]


def test_revocation_unreachable_soft_hard_and_off(ca: OtherCA, request_pdf: bytes) -> None:
    closed = ca.issue(company(OURS), ocsp_url="http://127.0.0.1:9/ocsp")  # nothing listens on port 9
    signed = sign(request_pdf, closed)
    soft = judge(signed, ca)
    assert soft.finding() is None and soft.revocation == "unavailable"  # judged on the rest, and the record says so
    assert soft.as_record()["revocation"] == "unavailable" and soft.signers[0].evidence == ()
    with pytest.raises(RevocationUnavailable):
        judge(signed, ca, policy=RevocationPolicy("hard"))  # the step fails and is retried: no bounce
    off = judge(signed, ca, policy=RevocationPolicy("off"))
    assert off.finding() is None and off.revocation == "not_checked"


# --- trust anchors: configuration --------------------------------------------------------------


def test_operator_bundle_and_directory_are_honoured_and_the_demo_ca_added(tmp_path: Path) -> None:
    roots = [OtherCA(f"Root {i}") for i in range(4)]
    bundle = tmp_path / "vn-roots.pem"
    bundle.write_bytes(roots[0].pem + roots[1].pem)
    directory = tmp_path / "ca.d"
    directory.mkdir()
    (directory / "root2.crt").write_bytes(roots[2].pem)
    (directory / "root3.cer").write_bytes(roots[3].cert.public_bytes(serialization.Encoding.DER))  # DER, as CAs publish
    (directory / "README.txt").write_text("not a certificate")
    demo = OtherCA("CA chữ ký số doanh nghiệp (local)")
    demo_path = tmp_path / "state" / "employer-ca.pem"
    demo_path.parent.mkdir()
    demo_path.write_bytes(demo.pem)

    spec = with_local_ca(f"{bundle}{os.pathsep}{directory}", demo_path)
    assert spec.split(os.pathsep) == [str(bundle), str(directory), str(demo_path)]
    assert with_local_ca(spec, demo_path) == spec  # again: unchanged
    loaded = {c.subject for c in x509.load_pem_x509_certificates(load_anchors(spec))}
    assert loaded == {r.cert.subject for r in [*roots, demo]}
    assert with_local_ca(None, demo_path) == str(demo_path)  # no operator anchors: the demo CA alone


def test_the_local_environment_keeps_the_operators_anchors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.local.stack import local_environment

    monkeypatch.setenv("MOTCUA_TRUST_ANCHORS", "/etc/motcua/vn-roots")
    settings.cache_clear()
    value = local_environment("http://127.0.0.1:1", tmp_path)["MOTCUA_TRUST_ANCHORS"]
    assert value.split(os.pathsep) == ["/etc/motcua/vn-roots", str(tmp_path / "employer-ca.pem")]


@pytest.mark.parametrize("make", ["missing", "empty_dir", "not_a_cert"])
def test_an_anchors_path_that_cannot_be_used_is_an_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "anchors"
    if make == "empty_dir":
        path.mkdir()
    elif make == "not_a_cert":
        path.write_bytes(b"hello")
    with pytest.raises(TrustAnchorsError, match="MOTCUA_TRUST_ANCHORS"):
        load_anchors(str(path))


def test_make_run_stops_at_start_up_on_a_missing_anchors_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.local.serve import prepare

    monkeypatch.setenv("MOTCUA_TRUST_ANCHORS", str(tmp_path / "no-such-bundle.pem"))
    settings.cache_clear()
    with pytest.raises(SystemExit) as stopped:
        prepare(1, tmp_path / "state")  # port 1: it must stop before starting anything
    assert "no-such-bundle.pem does not exist" in str(stopped.value.code)
    assert not (tmp_path / "state" / "emulator.log").exists()
