"""Cross-check against independent COSE implementations (installed for tests only).

Why these versions: pycose 1.1.0 breaks with cbor2 6.x, because cbor2 6 decodes CBOR arrays
as tuples and pycose 1.1's ``Sign1Message.decode`` insists on lists (pycose issue #141); and
python-cwt 3.x pins ``cbor2<6``. So the project depends on ``cbor2>=5.6,<6``, and the tests use
pycose==1.1.0 and cwt 3.x, which all work together on cbor2 5.9. Our own decoder accepts
arrays as lists or tuples, so it is ready for cbor2 6 once these test-only libraries are.

Both directions are checked: passes we issue verify with pycose and python-cwt, and
COSE_Sign1 messages they make with a key we trust pass our verify().
"""

from __future__ import annotations

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    Reason,
    SigningKey,
    issue_pass,
    pass_secret,
    rotating_code,
    rotating_text,
    verify,
)

from .helpers import NOW, visitor_claims

pycose_messages = pytest.importorskip("pycose.messages")
pycose_keys = pytest.importorskip("pycose.keys")
pycose_headers = pytest.importorskip("pycose.headers")
pycose_algorithms = pytest.importorskip("pycose.algorithms")
cwt = pytest.importorskip("cwt")


def make_private(alg: str) -> ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def pem_of(private_key, public: bool) -> str:
    if public:
        return private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


ALGS = ["EdDSA", "ES256"]
PYCOSE_ALG = {"EdDSA": "EdDSA", "ES256": "Es256"}


@pytest.mark.parametrize("alg", ALGS)
def test_pycose_verifies_our_pass(alg):
    private_key = make_private(alg)
    key = SigningKey(private_key, code_key=bytes(range(32)))
    cose = issue_pass(visitor_claims(), key)

    message = pycose_messages.Sign1Message.decode(cose)
    message.key = pycose_keys.CoseKey.from_pem_public_key(pem_of(private_key, public=True))
    assert message.verify_signature()
    assert message.phdr[pycose_headers.KID] == key.kid
    assert message.phdr[pycose_headers.Algorithm] is getattr(pycose_algorithms, PYCOSE_ALG[alg])
    assert cbor2.loads(message.payload)[2] == "v7q2k9x4m1p8z3c6"

    # And pycose must reject it after one byte of the payload changes.
    tampered = pycose_messages.Sign1Message.decode(cose)
    tampered.payload = tampered.payload[:-1] + bytes([tampered.payload[-1] ^ 1])
    tampered.key = message.key
    assert not tampered.verify_signature()


@pytest.mark.parametrize("alg", ALGS)
def test_our_verify_accepts_a_pass_made_by_pycose(alg):
    private_key = make_private(alg)
    ours = SigningKey(private_key, code_key=bytes(range(32)))
    claims = visitor_claims()
    message = pycose_messages.Sign1Message(
        phdr={pycose_headers.Algorithm: getattr(pycose_algorithms, PYCOSE_ALG[alg]),
              pycose_headers.KID: ours.kid},
        payload=cbor2.dumps(claims.to_cbor_map()),
    )
    message.key = pycose_keys.CoseKey.from_pem_private_key(pem_of(private_key, public=False))
    cose = message.encode()

    code = rotating_code(pass_secret(ours.code_key, claims.pass_id), NOW)
    keys = KeySet("hq", [ours.trusted()], version=1)
    d = verify(rotating_text(cose, code), keys=keys, revoked=(),
               door=DoorPolicy("gate-1", "lobby"), now=NOW)
    assert d.reason is Reason.ACCEPTED
    assert d.claims == claims


@pytest.mark.parametrize("alg", ALGS)
def test_python_cwt_verifies_our_pass(alg):
    private_key = make_private(alg)
    key = SigningKey(private_key, code_key=bytes(range(32)))
    cose = issue_pass(visitor_claims(), key)
    public = cwt.COSEKey.from_pem(pem_of(private_key, public=True), alg=alg, kid=key.kid)
    payload = cwt.COSE.new(verify_kid=True).decode(cose, public)
    assert cbor2.loads(payload)[7] == visitor_claims().pass_id


@pytest.mark.parametrize("alg", ALGS)
def test_our_verify_accepts_a_pass_made_by_python_cwt(alg):
    private_key = make_private(alg)
    ours = SigningKey(private_key, code_key=bytes(range(32)))
    signer = cwt.COSEKey.from_pem(pem_of(private_key, public=False), alg=alg, kid=ours.kid)
    claims = visitor_claims(static=True)
    cose = cwt.COSE.new(alg_auto_inclusion=True, kid_auto_inclusion=True).encode_and_sign(
        cbor2.dumps(claims.to_cbor_map()), signer)
    from officegate.protocol import static_text

    keys = KeySet("hq", [ours.trusted()], version=1)
    d = verify(static_text(cose), keys=keys, revoked=(),
               door=DoorPolicy("gate-1", "lobby", allow_static=True), now=NOW)
    assert d.reason is Reason.ACCEPTED
    assert d.claims == claims
