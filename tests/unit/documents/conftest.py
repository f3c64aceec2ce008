"""A signing identity of their own for the slips' tests (its own KMS key and CA in the session's
emulator), and each kind signed once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def aws_endpoint(local_stack):
    """The session's local AWS emulator (tests/conftest.py): KMS for the signing key."""
    return local_stack["endpoint"]


@pytest.fixture(scope="session")
def identity(aws_endpoint, tmp_path_factory):
    from chalicelib.local.pki import ensure_signing_identity

    return ensure_signing_identity(tmp_path_factory.mktemp("pki"), "alias/motcua-test-signing")


@pytest.fixture(scope="session")
def signer(identity):
    from chalicelib.adapters.kms import KmsKey
    from chalicelib.documents import SlipSigner

    return SlipSigner.from_key(KmsKey(identity.key_alias), identity.cert_chain_pem)


@pytest.fixture(scope="session")
def our_fingerprints(identity):
    from chalicelib.documents import fingerprint

    return [fingerprint(identity.signing_cert_pem.read_bytes())]


@pytest.fixture(scope="session")
def signed_slips(signer, tmp_path_factory):
    """Every kind rendered with the example data (300-worker confirmation) and signed, on disk."""
    from chalicelib.documents import issue_slip
    from chalicelib.documents.examples import example_slips

    out = tmp_path_factory.mktemp("slips")
    paths = {}
    for kind, slip in example_slips(workers=300).items():
        path = out / f"{kind}.pdf"
        path.write_bytes(issue_slip(slip, signer, public_base_url="https://motcua.example.vn"))
        paths[kind] = path
    return paths


@pytest.fixture(scope="session")
def tsa(identity):
    """The local stage's own RFC 3161 TSA (chalicelib/local/tsa.py), under the identity's CA."""
    from chalicelib.local.tsa import start_tsa

    running = start_tsa(identity.ca_pem.parent)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def lt_slips(identity, tsa, tmp_path_factory):
    """Every kind signed PAdES B-LT: a timestamp from the local TSA, the validation data embedded."""
    from chalicelib.adapters.kms import KmsKey
    from chalicelib.documents import SlipSigner, issue_slip
    from chalicelib.documents.examples import example_slips

    signer = SlipSigner.from_key(
        KmsKey(identity.key_alias), identity.cert_chain_pem, tsa_url=tsa.url, trust_roots_pem=identity.trust_roots_pem
    )
    out = tmp_path_factory.mktemp("lt-slips")
    paths = {}
    for kind, slip in example_slips(workers=30).items():
        path = out / f"{kind}.pdf"
        path.write_bytes(issue_slip(slip, signer, public_base_url="https://motcua.example.vn"))
        paths[kind] = path
    return paths


@pytest.fixture(scope="session")
def lta_slips(identity, tsa, tmp_path_factory):
    """Every kind signed PAdES B-LTA: B-LT, then a document timestamp of the local TSA over it all."""
    from chalicelib.adapters.kms import KmsKey
    from chalicelib.documents import SlipSigner, issue_slip
    from chalicelib.documents.examples import example_slips

    signer = SlipSigner.from_key(
        KmsKey(identity.key_alias),
        identity.cert_chain_pem,
        tsa_url=tsa.url,
        trust_roots_pem=identity.trust_roots_pem,
        archive=True,
    )
    out = tmp_path_factory.mktemp("lta-slips")
    paths = {}
    for kind, slip in example_slips(workers=30).items():
        path = out / f"{kind}.pdf"
        path.write_bytes(issue_slip(slip, signer, public_base_url="https://motcua.example.vn"))
        paths[kind] = path
    return paths
