"""Signed slips: pdfsig and verify_pdf say valid and ours; every bad input gets a clear answer."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from chalicelib.documents import TITLES, VerificationError, render_slip, verify_pdf
from chalicelib.documents.examples import example_slip

KINDS = list(TITLES)


def pdfsig(path, nssdir=None) -> str:
    args = ["pdfsig", *(["-nssdir", f"sql:{nssdir}"] if nssdir else []), str(path)]
    done = subprocess.run(args, capture_output=True, text=True)
    return done.stdout + done.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_pdfsig_says_valid_and_trusted(signed_slips, identity, kind):
    # WHEN poppler checks the signed slip without our CA
    plain = pdfsig(signed_slips[kind])
    # THEN the signature is valid, covers the document, but the issuer is unknown
    assert "Signature is Valid" in plain
    assert "Total document signed" in plain
    assert "Signature Type: ETSI.CAdES.detached" in plain
    assert "Certificate is Trusted" not in plain
    # AND with the local CA in the NSS database the certificate is trusted
    assert "Certificate is Trusted" in pdfsig(signed_slips[kind], identity.nssdb)


@pytest.mark.parametrize("kind", KINDS)
def test_verify_pdf_recognises_our_slips(signed_slips, identity, our_fingerprints, kind):
    v = verify_pdf(signed_slips[kind].read_bytes(), identity.trust_roots_pem, our_fingerprints)
    assert v.valid and v.signed_by_us and v.covers_whole_file and v.trusted and v.problems == ()
    slip = example_slip(kind)
    assert (v.kind, v.number, v.portal_code) == (kind, slip.number, slip.portal_code)
    assert "motcua" in v.signer


def test_one_changed_byte_is_a_digest_mismatch(signed_slips, identity, our_fingerprints, tmp_path):
    # GIVEN a receipt whose printed number was changed by one byte (000123 -> 000124)
    data = bytearray(signed_slips["receipt"].read_bytes())
    at = data.index(b"/MotcuaNumber (000123") + len(b"/MotcuaNumber (00012")
    data[at : at + 1] = b"4"
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(data)
    # WHEN it is verified
    v = verify_pdf(bytes(data), identity.trust_roots_pem, our_fingerprints)
    # THEN both checkers see the change
    assert not v.valid and not v.signed_by_us and not v.intact
    assert v.problems[0] == "digest_mismatch"
    assert "Digest Mismatch" in pdfsig(altered, identity.nssdb)


def test_a_byte_changed_in_the_page_content_is_caught(signed_slips, identity, our_fingerprints):
    data = bytearray(signed_slips["refusal"].read_bytes())
    at = data.index(b"stream", data.index(b"/Contents")) + 20  # inside a compressed content stream
    data[at] ^= 0x01
    v = verify_pdf(bytes(data), identity.trust_roots_pem, our_fingerprints)
    assert not v.valid and "digest_mismatch" in v.problems


def test_unsigned_pdf_is_reported_as_not_signed(identity, our_fingerprints):
    v = verify_pdf(render_slip(example_slip("receipt")), identity.trust_roots_pem, our_fingerprints)
    assert (v.valid, v.signed_by_us, v.signed, v.problems) == (False, False, False, ("not_signed",))
    assert v.kind == "receipt"


def test_garbage_raises_the_documented_error(identity, our_fingerprints):
    for garbage in (b"", b"hello, world", bytes(range(256)) * 10, b"\x89PNG\r\n\x1a\n" + b"0" * 100):
        with pytest.raises(VerificationError):
            verify_pdf(garbage, identity.trust_roots_pem, our_fingerprints)


def test_truncated_pdf_is_damaged_not_an_exception(signed_slips, identity, our_fingerprints):
    data = signed_slips["receipt"].read_bytes()
    for cut in (100, len(data) // 2, len(data) - 40):
        v = verify_pdf(data[:cut], identity.trust_roots_pem, our_fingerprints)
        assert not v.valid and not v.signed_by_us
        assert v.problems and v.problems[0] in ("damaged", "not_signed", "digest_mismatch", "signature_invalid")


def test_update_appended_after_signing_is_not_whole_file(signed_slips, identity, our_fingerprints):
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_slips["receipt"].read_bytes()))
    info = writer.root  # any change: relabel the catalog
    info[NameObject("/Lang")] = TextStringObject("vi")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    v = verify_pdf(out.getvalue(), identity.trust_roots_pem, our_fingerprints)
    assert v.intact and not v.covers_whole_file
    assert not v.valid and not v.signed_by_us and "not_whole_file" in v.problems


def _stranger_signer(tmp_path):
    """A valid signature by someone else's key and self-made CA."""
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kẻ giả mạo")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return signers.SimpleSigner.load(str(tmp_path / "k.pem"), str(tmp_path / "c.pem"))


def test_slip_signed_by_someone_else_is_valid_but_not_ours(identity, our_fingerprints, tmp_path):
    from chalicelib.documents import SlipSigner

    forged = SlipSigner(_stranger_signer(tmp_path)).sign(render_slip(example_slip("receipt")))
    v = verify_pdf(forged, identity.trust_roots_pem, our_fingerprints)
    assert v.valid and v.intact  # the signature itself is sound...
    assert not v.signed_by_us and not v.trusted  # ...but not made by us
    assert set(v.problems) == {"untrusted", "not_our_key"}
    assert v.kind == "receipt"  # what it claims to be, reported for the clerk to see


def test_kms_raw_signature_verifies_with_the_public_key(identity):
    # moto's DIGEST mode is wrong; the adapter signs RAW, which any RSA verifier accepts
    from chalicelib.adapters.kms import KmsKey

    key = KmsKey(identity.key_alias)
    message = "Giấy tiếp nhận hồ sơ".encode()
    signature = key.sign_raw(message, "sha256")
    public = serialization.load_der_public_key(key.get_public_key())
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())  # raises if wrong


def test_identity_is_idempotent_and_follows_a_recreated_key(identity, aws_endpoint):
    import boto3

    from chalicelib.local.pki import ensure_signing_identity

    state = identity.ca_pem.parent
    ca, cert = identity.ca_pem.read_bytes(), identity.signing_cert_pem.read_bytes()
    # WHEN called again: everything is reused
    again = ensure_signing_identity(state, identity.key_alias)
    assert again.key_id == identity.key_id
    assert (again.ca_pem.read_bytes(), again.signing_cert_pem.read_bytes()) == (ca, cert)
    # WHEN the emulator lost its key (simulated: a fresh alias in the same state dir)
    boto3.client("kms").delete_alias(AliasName=identity.key_alias)
    fresh = ensure_signing_identity(state, identity.key_alias)
    try:
        # THEN a new key, the same CA, and a new certificate for the new public key
        assert fresh.key_id != identity.key_id
        assert fresh.ca_pem.read_bytes() == ca
        new_cert = x509.load_pem_x509_certificate(fresh.signing_cert_pem.read_bytes())
        kms_public = boto3.client("kms").get_public_key(KeyId=fresh.key_id)["PublicKey"]
        assert (
            new_cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            == kms_public
        )
    finally:
        # put the session's identity back for the other tests
        client = boto3.client("kms")
        client.update_alias(AliasName=identity.key_alias, TargetKeyId=identity.key_id)
        identity.signing_cert_pem.write_bytes(cert)


# -- issue 18, finding 4: long-term valid slips (PAdES B-LT, validated at the timestamp's time) -----
@pytest.mark.parametrize("kind", KINDS)
def test_a_b_lt_slip_is_valid_and_trusted_for_pdfsig_and_pyhanko(lt_slips, identity, our_fingerprints, kind):
    from pyhanko.pdf_utils.reader import PdfFileReader

    # GIVEN a slip signed with a timestamp of the local TSA and its validation data
    data = lt_slips[kind].read_bytes()
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/DSS" in PdfFileReader(io.BytesIO(data)).root  # B-LT: the document security store
    # WHEN poppler checks it with our CA trusted, THEN valid and trusted
    checked = pdfsig(lt_slips[kind], identity.nssdb)
    assert "Signature is Valid" in checked and "Certificate is Trusted" in checked
    # AND pyHanko's validator: valid, ours, the one revision after the signature allowed (the DSS), timestamped
    v = verify_pdf(data, identity.trust_roots_pem, our_fingerprints)
    assert v.valid and v.signed_by_us and v.covers_whole_file and v.problems == ()
    assert v.timestamped_at is not None and abs(v.timestamped_at - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)


def test_anything_but_validation_data_after_a_b_lt_signature_is_caught(lt_slips, identity, our_fingerprints):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(lt_slips["receipt"].read_bytes()))
    writer.root["/Lang"] = generic.TextStringObject("en")  # a change to the document itself
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    v = verify_pdf(out.getvalue(), identity.trust_roots_pem, our_fingerprints)
    assert not v.valid and "not_whole_file" in v.problems


def test_a_slip_stays_valid_after_its_certificate_expired_when_timestamped_while_it_was_valid(identity, tmp_path):
    """Validated at the timestamp's time: before, the slip was validated now and its expired
    certificate made it untrusted."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.timestamps import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from chalicelib.documents import SlipSigner, fingerprint
    from chalicelib.local import pki
    from chalicelib.local.tsa import ensure_tsa_identity

    # GIVEN a signing certificate valid from 30 to 10 days ago, and a TSA that stamped 20 days ago
    state = identity.ca_pem.parent
    ca_key, ca_cert = pki._ensure_ca(state)
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "motcua (expired)")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now - dt.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    private = keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    simple = SimpleSigner(
        signing_cert=der(cert), signing_key=private, cert_registry=SimpleCertificateStore.from_certs([der(ca_cert)])
    )
    tsa_key_path, tsa_cert_path = ensure_tsa_identity(state)
    tsa_key = serialization.load_pem_private_key(tsa_key_path.read_bytes(), password=None)
    stamper = DummyTimeStamper(
        tsa_cert=der(x509.load_pem_x509_certificate(tsa_cert_path.read_bytes())),
        tsa_key=keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=[der(ca_cert)],
        fixed_dt=now - dt.timedelta(days=20),
    )
    slip_signer = SlipSigner(simple)
    slip_signer.timestamper = stamper
    signed = slip_signer.sign(render_slip(example_slip("receipt")))
    ours = [fingerprint(cert.public_bytes(serialization.Encoding.PEM))]
    # WHEN it is verified today, THEN it is valid and ours, validated as of its timestamp
    v = verify_pdf(signed, identity.trust_roots_pem, ours)
    assert v.valid and v.signed_by_us and v.trusted and v.problems == (), v.problems
    assert v.timestamped_at is not None and v.timestamped_at < now - dt.timedelta(days=19)
    # AND without the timestamp the same certificate is untrusted today (the test can fail)
    plain = SlipSigner(simple).sign(render_slip(example_slip("receipt")))
    assert "untrusted" in verify_pdf(plain, identity.trust_roots_pem, ours).problems


# -- issue 18, finding 4: B-LTA where configured (a document timestamp over the B-LT slip) ---------
@pytest.mark.parametrize("kind", KINDS)
def test_a_b_lta_slip_is_valid_and_trusted_for_pdfsig_and_pyhanko(lta_slips, identity, our_fingerprints, kind):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import load_certs_from_pemder_data
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    # GIVEN a slip signed B-LT, then stamped with a document timestamp of the local TSA
    data = lta_slips[kind].read_bytes()
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_regular_signatures
    (stamp,) = reader.embedded_timestamp_signatures
    assert stamp.sig_object["/SubFilter"] == "/ETSI.RFC3161" and "/DSS" in reader.root
    # WHEN poppler checks it with our CA trusted, THEN the slip's signature is valid and trusted, and the
    # archive stamp is listed without a fault (poppler 22.12 does not validate RFC 3161 document timestamps:
    # "Unable to validate this type of signature"; pyHanko below does)
    checked = pdfsig(lta_slips[kind], identity.nssdb)
    first, second = checked.split("Signature #2:")
    assert "Signature is Valid" in first and "Certificate is Trusted" in first, checked
    assert "motcua local TSA" in second and "Invalid" not in second and "Mismatch" not in second, checked
    # AND pyHanko's validator: the document timestamp is intact, valid and trusted under our roots
    roots = list(load_certs_from_pemder_data(identity.trust_roots_pem))
    status = validate_pdf_timestamp(stamp, ValidationContext(trust_roots=roots))
    assert status.intact and status.valid and status.trusted
    # AND verify_pdf: the slip's own signature (not the stamp) judged, valid, ours, archived
    v = verify_pdf(data, identity.trust_roots_pem, our_fingerprints)
    assert v.valid and v.signed_by_us and v.problems == () and signature.field_name == "ChuKySoMotCua"
    assert v.timestamped_at is not None and v.archived_at is not None and v.archived_at >= v.timestamped_at


def test_a_b_lta_slip_with_its_archive_stamp_spoilt_or_something_after_it_is_not_valid(
    lta_slips, identity, our_fingerprints
):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = lta_slips["receipt"].read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")  # a change after the archive timestamp
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = verify_pdf(out.getvalue(), identity.trust_roots_pem, our_fingerprints)
    assert not appended.valid and not appended.signed_by_us
    # a slip whose archive stamp is not under the roots we trust is not ours either
    stranger = verify_pdf(data, b"", our_fingerprints)
    assert not stranger.signed_by_us
