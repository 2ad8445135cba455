"""Conformance with published test vectors, through our own code paths.

Sources (copied from the RFCs / the COSE WG examples repository, not generated here):
- RFC 8032 section 7.1, Ed25519 TEST 1..3.
- RFC 6238 Appendix B, TOTP with HMAC-SHA256, 8 digits, 30 s step, seed "1234...9012" (32 B).
- RFC 8392 Appendix A.1, the example CWT claims set.
- RFC 9052 Appendix C.2.1 (= RFC 8152 C.2.1), a COSE_Sign1 with ES256, kid '11', verified
  with the P-256 key of RFC 9052 Appendix C.7.1 (cose-wg/Examples key "11").
"""

from __future__ import annotations

import base64

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from officegate.protocol import KeySet, Reason, TrustedKey, rotating_code
from officegate.protocol.claims import CwtClaims
from officegate.protocol.cose import decode_sign1, verify_sign1
from officegate.protocol.keys import SigningKey
from officegate.protocol.rotating import code_for_counter, matching_counter

# RFC 8032 7.1: (secret key, public key, message, signature)
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
     "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
     "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
     "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
     "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
     "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032,
                         ids=["TEST1", "TEST2", "TEST3"])
def test_rfc8032_ed25519_through_our_signing_path(secret, public, message, signature):
    key = SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret)),
                     code_key=bytes(32))
    raw_public = key.public_key.public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)
    assert raw_public.hex() == public
    assert key.alg == "EdDSA"
    assert key.sign(bytes.fromhex(message)).hex() == signature
    trusted = key.trusted()
    assert trusted.verify_signature(bytes.fromhex(signature), bytes.fromhex(message))
    assert not trusted.verify_signature(bytes.fromhex(signature), b"\x00" + bytes.fromhex(message))


RFC6238_SEED_SHA256 = b"12345678901234567890123456789012"
# RFC 6238 Appendix B, SHA256 column: (time, TOTP)
RFC6238_SHA256 = [
    (59, "46119246"),
    (1111111109, "68084774"),
    (1111111111, "67062674"),
    (1234567890, "91819424"),
    (2000000000, "90698825"),
    (20000000000, "77737706"),
]


@pytest.mark.parametrize(("at", "expected"), RFC6238_SHA256)
def test_rfc6238_totp_sha256(at, expected):
    assert rotating_code(RFC6238_SEED_SHA256, at, period=30) == expected
    # The edge's matcher finds the same step (T = floor(time / 30)).
    assert code_for_counter(RFC6238_SEED_SHA256, at // 30) == expected
    assert matching_counter(RFC6238_SEED_SHA256, expected, at, period=30) == at // 30


# RFC 8392 Appendix A.1: example CWT claims set.
RFC8392_A1 = (
    "a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f"
    "6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b71"
)


def test_rfc8392_claims_read_with_integer_keys():
    claims = CwtClaims.from_cbor_map(cbor2.loads(bytes.fromhex(RFC8392_A1)))
    assert claims == CwtClaims(
        issuer="coap://as.example.com",
        subject="erikw",
        audience="coap://light.example.com",
        expires=1444064944,
        not_before=1443944944,
        issued_at=1443944944,
        cti=bytes.fromhex("0b71"),
    )


def test_rfc8392_claims_set_is_not_a_pass():
    # It lacks our private claims; the pass decoder must say so, not guess.
    from officegate.protocol import MalformedPass, PassClaims

    with pytest.raises(MalformedPass, match="'k'"):
        PassClaims.from_cbor_map(cbor2.loads(bytes.fromhex(RFC8392_A1)))


# RFC 9052 Appendix C.2.1: COSE_Sign1, ES256, kid '11' in the unprotected header.
RFC9052_C21 = (
    "d28443a10126a10442313154546869732069732074686520636f6e74656e742e5840"
    "8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e"
    "2af9a291aa32e14ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36"
)
# RFC 9052 Appendix C.7.1, key "11" (P-256), as in cose-wg/Examples (base64url x, y).
KEY_11_X = "usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8"
KEY_11_Y = "IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4"
KEY_11_X_HEX = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff"
KEY_11_Y_HEX = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_11() -> TrustedKey:
    assert b64url(KEY_11_X).hex() == KEY_11_X_HEX and b64url(KEY_11_Y).hex() == KEY_11_Y_HEX
    numbers = ec.EllipticCurvePublicNumbers(int(KEY_11_X_HEX, 16), int(KEY_11_Y_HEX, 16),
                                            ec.SECP256R1())
    return TrustedKey(kid=b"11", alg="ES256", public_key=numbers.public_key(), code_key=b"")


def test_rfc9052_c21_sign1_verifies_with_our_cose_code():
    message = decode_sign1(bytes.fromhex(RFC9052_C21))
    assert message.alg == "ES256"
    assert message.kid == b"11"  # found in the unprotected bucket
    assert message.payload == b"This is the content."
    assert verify_sign1(message, key_11())


def test_rfc9052_c21_with_one_flipped_bit_fails():
    data = bytearray(bytes.fromhex(RFC9052_C21))
    data[-1] ^= 1
    assert not verify_sign1(decode_sign1(bytes(data)), key_11())


def test_rfc9052_c21_to_be_signed_matches_published_intermediate():
    # cose-wg/Examples sign1-tests/sign-pass-03.json "ToBeSign_hex" for the same structure.
    to_be_signed = (
        "846A5369676E61747572653143A101264054546869732069732074686520636F6E74656E742E"
    )
    assert decode_sign1(bytes.fromhex(RFC9052_C21)).to_be_signed().hex() == (
        to_be_signed.lower())


def test_rfc9052_c21_message_is_not_mistaken_for_a_pass():
    # A genuine, trusted COSE_Sign1 whose payload is not claims: malformed, never a crash.
    from officegate.protocol import DoorPolicy, static_text, verify

    keys = KeySet("hq", [key_11()], version=1)
    d = verify(static_text(bytes.fromhex(RFC9052_C21)), keys=keys, revoked=(),
               door=DoorPolicy("gate-1", "lobby"), now=0)
    assert d.reason is Reason.MALFORMED
