"""COSE_Sign1 structure (RFC 9052 4.2): each malformed part is refused by its own check.

Every message here is otherwise a good, correctly signed pass, so a check that is weakened
would let it through or fail later with another detail code.
"""

from __future__ import annotations

import base45
import cbor2
import pytest

from officegate.protocol import DoorPolicy, KeySet, Reason, SigningKey, issue_pass, verify
from officegate.protocol.cose import Sign1, decode_sign1, loads_exact, sig_structure, verify_sign1

from .helpers import NOW, visitor_claims

KEY = SigningKey.generate("EdDSA")
KEYS = KeySet("hq", [KEY.trusted()], version=1)
PRINTED = visitor_claims(static=True)
DOOR = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)


def parts(key: SigningKey = KEY) -> list:
    """[protected, unprotected, payload, signature] of a good printed pass."""
    return list(cbor2.loads(issue_pass(PRINTED, key)).value)


def signed(protected: bytes, payload: bytes, key: SigningKey = KEY) -> bytes:
    return key.sign(sig_structure(protected, payload))


def decide(cose: bytes):
    return verify("OG1S" + base45.b45encode(cose).decode(), keys=KEYS, revoked=(), door=DOOR,
                  now=NOW)


def test_good_pass_tagged_or_untagged_is_accepted():
    assert decide(issue_pass(PRINTED, KEY)).accepted
    assert decide(cbor2.dumps(parts())).accepted  # RFC 9052: the tag is optional


@pytest.mark.parametrize("tag", [17, 19, 98, 61])
def test_other_cbor_tag_is_refused(tag):
    d = decide(cbor2.dumps(cbor2.CBORTag(tag, parts())))
    assert d.reason is Reason.MALFORMED and d.detail_code == "cose.tag"
    assert str(tag) in d.detail


@pytest.mark.parametrize("extra", [b"\x00", b"\xa0", b"\xf6", b"\x18\x2a"])
def test_a_trailing_item_after_the_message_is_refused(extra):
    d = decide(issue_pass(PRINTED, KEY) + extra)
    assert d.reason is Reason.MALFORMED and d.detail_code == "cose.trailing"
    d = decide(cbor2.dumps(parts()) + extra)
    assert d.detail_code == "cose.trailing"


def test_a_trailing_byte_inside_the_protected_header_or_payload_is_refused():
    protected, unprotected, payload, _ = parts()
    p2 = protected + b"\x00"
    d = decide(cbor2.dumps([p2, unprotected, payload, signed(p2, payload)]))
    assert d.reason is Reason.MALFORMED and d.detail_code == "protected.trailing"
    payload2 = payload + b"\x00"
    d = decide(cbor2.dumps([protected, unprotected, payload2, signed(protected, payload2)]))
    assert d.reason is Reason.MALFORMED and d.detail_code == "claims.trailing"


@pytest.mark.parametrize(("change", "code"), [
    (lambda p: p[:3], "cose.array"),
    (lambda p: [*p, b""], "cose.array"),
    (lambda p: [cbor2.loads(p[0]), *p[1:]], "cose.protected"),
    (lambda p: [p[0], [], *p[2:]], "cose.unprotected"),
    (lambda p: [p[0], [[4, KEY.kid]], *p[2:]], "cose.unprotected"),
    (lambda p: [p[0], p[1], None, p[3]], "cose.payload"),
    (lambda p: [p[0], p[1], cbor2.loads(p[2]), p[3]], "cose.payload"),
    (lambda p: [*p[:3], None], "cose.signature"),
    (lambda p: [*p[:3], list(p[3])], "cose.signature"),
    (lambda p: [cbor2.dumps([1, -8]), *p[1:]], "protected.map"),
    (lambda p: [b"\x1c", *p[1:]], "protected.cbor"),
    (lambda p: [p[0], p[1], b"\x1c", p[3]], "claims.cbor"),
])
def test_each_part_of_the_message_is_checked(change, code):
    d = decide(cbor2.dumps(cbor2.CBORTag(18, change(parts()))))
    assert d.reason is Reason.MALFORMED and d.detail_code == code
    assert d.claims is None and d.detail


def test_not_cbor_at_all_is_refused_as_cose_cbor():
    assert decide(b"\x1c").detail_code == "cose.cbor"
    assert decide(cbor2.dumps(7)).detail_code == "cose.array"


def test_empty_protected_bucket_is_the_empty_map_so_no_alg():
    _, _, payload, signature = parts()
    d = decide(cbor2.dumps([b"", {1: -8, 4: KEY.kid}, payload, signature]))
    assert d.reason is Reason.MALFORMED and d.detail_code == "cose.alg"
    assert decode_sign1(cbor2.dumps([b"", {}, payload, signature])).protected_header == {}


def test_kid_may_sit_in_the_unprotected_header():
    protected = cbor2.dumps({1: -8})
    _, _, payload, _ = parts()
    d = decide(cbor2.dumps([protected, {4: KEY.kid}, payload, signed(protected, payload)]))
    assert d.accepted and d.kid == KEY.kid


def test_protected_kid_wins_over_an_unprotected_one_and_text_kids_are_ignored():
    protected, _, payload, signature = parts()
    d = decide(cbor2.dumps([protected, {4: b"\x00" * 8}, payload, signature]))
    assert d.accepted and d.kid == KEY.kid
    text_kid = cbor2.dumps({1: -8, 4: KEY.kid.hex()})
    d = decide(cbor2.dumps([text_kid, {}, payload, signed(text_kid, payload)]))
    assert d.reason is Reason.UNKNOWN_KEY and d.detail_code == "key.no_kid" and d.kid is None


def test_verify_sign1_refuses_a_message_whose_alg_is_not_the_keys():
    es256 = SigningKey.generate("ES256")
    message = decode_sign1(issue_pass(PRINTED, es256))
    assert verify_sign1(message, es256.trusted())
    relabelled = Sign1(message.protected, {1: -8, 4: es256.kid}, {}, message.payload,
                       message.signature)
    assert relabelled.alg == "EdDSA"
    assert verify_sign1(relabelled, es256.trusted()) is False


def test_signature_covers_external_aad():
    message = decode_sign1(issue_pass(PRINTED, KEY))
    assert verify_sign1(message, KEY.trusted())
    assert not verify_sign1(message, KEY.trusted(), external_aad=b"door")
    assert message.to_be_signed() == cbor2.dumps(["Signature1", message.protected, b"",
                                                   message.payload])


def test_alg_names_both_ways():
    assert decode_sign1(issue_pass(PRINTED, KEY)).alg == "EdDSA"
    es256 = SigningKey.generate("ES256")
    header = cbor2.loads(decode_sign1(issue_pass(PRINTED, es256)).protected)
    assert header == {1: -7, 4: es256.kid}
    assert Sign1(b"", {1: -35}, {}, b"", b"").alg is None


def test_loads_exact_names_the_part_it_decodes():
    from officegate.protocol import MalformedPass

    assert loads_exact(b"\x01") == 1
    with pytest.raises(MalformedPass) as raised:
        loads_exact(b"\x01\x02")
    assert raised.value.code == "cbor.trailing"
    with pytest.raises(MalformedPass) as raised:
        loads_exact(b"\x01\x02", "claims")
    assert raised.value.code == "claims.trailing"
