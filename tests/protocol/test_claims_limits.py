"""CWT claims of a pass: exact map form, each claim's own check, and the size and date limits."""

from __future__ import annotations

import cbor2
import pytest

from officegate.protocol import (
    CwtClaims,
    DoorPolicy,
    KeySet,
    MalformedPass,
    PassClaims,
    PassKind,
    Reason,
    SigningKey,
    static_text,
    verify,
)
from officegate.protocol.claims import MAX_ITEMS, MAX_NUMERIC_DATE, MAX_TEXT
from officegate.protocol.cose import sign1

from .helpers import NOW, visitor_claims

KEY = SigningKey.generate("EdDSA")
KEYS = KeySet("hq", [KEY.trusted()], version=1)
DOOR = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
PASS_ID = bytes.fromhex("0123456789abcdef")


def printed_map(**changes: object) -> dict:
    m = visitor_claims(static=True).to_cbor_map()
    m.update(changes)
    return m


def decide(m: object):
    return verify(static_text(sign1(cbor2.dumps(m), KEY)), keys=KEYS, revoked=(), door=DOOR,
                  now=NOW)


def refusal(m: object) -> str:
    d = decide(m)
    assert d.reason is Reason.MALFORMED and d.claims is None
    return d.detail_code


def without(key: int | str) -> dict:
    return {k: v for k, v in printed_map().items() if k != key}


def test_visitor_pass_map_is_exactly_the_documented_one():
    assert visitor_claims().to_cbor_map() == {
        1: "hq", 2: "v7q2k9x4m1p8z3c6", 4: int(NOW) - 60 + 12 * 3600, 5: int(NOW) - 60,
        6: int(NOW) - 60, 7: PASS_ID, "k": "v", "v": 123456, "z": ["lobby"],
        "d": ["gate-1", "room-301"],
    }


def test_printed_employee_pass_map_has_s_and_e_and_no_v():
    claims = visitor_claims(kind=PassKind.EMPLOYEE, visit_id=None, static=True,
                            entitlements=("drink",))
    m = claims.to_cbor_map()
    assert m["k"] == "e" and m["s"] is True and m["e"] == ["drink"] and "v" not in m
    assert PassClaims.from_cbor_map(cbor2.loads(cbor2.dumps(m))) == claims


def test_map_read_back_gives_the_same_claims_and_unknown_claims_are_ignored():
    m = printed_map(e=["drink", "parking"]) | {99: "future", "q": [1]}
    claims = PassClaims.from_cbor_map(m)
    assert claims == visitor_claims(static=True, entitlements=("drink", "parking"))
    assert claims.static is True and claims.pass_id_hex == "0123456789abcdef"
    assert PassClaims.from_cbor_map(visitor_claims().to_cbor_map()).static is False
    assert PassClaims.from_cbor_map(without("e")).entitlements == ()


def test_cwt_claims_reads_every_registered_claim():
    m = {1: "iss", 2: "sub", 3: "aud", 4: 40, 5: 50, 6: 60, 7: b"\x07"}
    assert CwtClaims.from_cbor_map(m) == CwtClaims("iss", "sub", "aud", 40, 50, 60, b"\x07")
    assert CwtClaims.from_cbor_map({}) == CwtClaims()
    with pytest.raises(MalformedPass) as raised:
        CwtClaims.from_cbor_map({3: 5})
    assert raised.value.code == "claim.aud.text"


@pytest.mark.parametrize(("key", "name"), [(1, "iss"), (2, "sub"), (7, "cti"), (6, "iat"),
                                           (5, "nbf"), (4, "exp"), ("k", "k"), ("z", "z"),
                                           ("d", "d"), ("v", "v")])
def test_each_missing_claim_is_named(key, name):
    assert refusal(without(key)) == f"claim.{name}.missing"


@pytest.mark.parametrize(("changes", "code"), [
    ({1: 7}, "claim.iss.text"), ({2: b"erik"}, "claim.sub.text"), ({2: ""}, "claim.sub.text"),
    ({4: "soon"}, "claim.exp.type"), ({5: True}, "claim.nbf.type"), ({6: 1.5}, "claim.iat.type"),
    ({5: -1}, "claim.nbf.range"), ({4: MAX_NUMERIC_DATE}, "claim.exp.range"),
    ({6: 2**64}, "claim.iat.range"),
    ({7: "0123456789abcdef"}, "claim.cti.bytes"), ({7: b""}, "claim.cti.bytes"),
    ({7: b"\x01" * 65}, "claim.cti.bytes"), ({7: b"\x01" * 9}, "claim.cti.size"),
    ({"k": 1}, "claim.k.text"), ({"k": "x"}, "claim.k.unknown"),
    ({"v": "123"}, "claim.v.type"), ({"v": -1}, "claim.v.range"),
    ({"z": "lobby"}, "claim.z.array"), ({"d": [1]}, "claim.d.text"),
    ({"e": {"drink": 1}}, "claim.e.array"), ({"e": [""]}, "claim.e.text"),
    ({"s": False}, "claim.s.false"), ({"s": 1}, "claim.s.bool"), ({"s": "yes"}, "claim.s.bool"),
])
def test_each_wrong_claim_is_named(changes, code):
    assert refusal(printed_map() | changes) == code


def test_s_1_does_not_make_a_pass_static():
    # CBOR 1 is not true: a rotating pass must not become a printed one by a sloppy encoder.
    m = visitor_claims().to_cbor_map() | {"s": 1}
    assert refusal(m) == "claim.s.bool"


def test_claims_that_are_not_a_map_are_refused():
    assert refusal([1, 2]) == "claims.map"
    with pytest.raises(MalformedPass) as raised:
        CwtClaims.from_cbor_map("x")
    assert raised.value.code == "claims.map"


def test_text_limit_is_inclusive():
    assert decide(printed_map(**{"z": ["x" * MAX_TEXT]})).accepted
    assert refusal(printed_map(z=["x" * (MAX_TEXT + 1)])) == "claim.z.text"
    assert refusal(printed_map() | {1: "h" * (MAX_TEXT + 1)}) == "claim.iss.text"


def test_item_limit_is_inclusive():
    assert decide(printed_map(z=["lobby"] * MAX_ITEMS)).accepted
    assert refusal(printed_map(z=["lobby"] * (MAX_ITEMS + 1))) == "claim.z.array"
    assert decide(printed_map(z=("lobby",))).accepted  # a tuple, as cbor2 6 decodes arrays


def test_date_limits_are_inclusive_at_zero_and_below_2_53():
    claims = visitor_claims(issued_at=0, not_before=0, expires=MAX_NUMERIC_DATE - 1,
                            visit_id=MAX_NUMERIC_DATE - 1)
    assert PassClaims.from_cbor_map(claims.to_cbor_map()) == claims
    assert MAX_NUMERIC_DATE == 2**53


def test_cti_of_64_bytes_is_a_valid_cwt_id():
    assert CwtClaims.from_cbor_map({7: b"\x01" * 64}).cti == b"\x01" * 64


@pytest.mark.parametrize(("changes", "code"), [
    ({"issuer": ""}, "claim.iss.text"), ({"subject": 5}, "claim.sub.text"),
    ({"pass_id": "0123456789abcdef"}, "claim.cti.size"), ({"expires": -5}, "claim.exp.range"),
    ({"issued_at": 1.0}, "claim.iat.type"), ({"not_before": None}, "claim.nbf.type"),
    ({"kind": "v"}, "claim.k.type"), ({"visit_id": None}, "claim.v.missing"),
    ({"visit_id": -3}, "claim.v.range"), ({"zones": "lobby"}, "claim.z.array"),
    ({"doors": [""]}, "claim.d.text"), ({"entitlements": [3]}, "claim.e.text"),
    ({"static": 1}, "claim.s.bool"),
])
def test_claims_are_checked_when_issued_too(changes, code):
    with pytest.raises(MalformedPass) as raised:
        visitor_claims(**changes)
    assert raised.value.code == code
