"""Properties of the codec and the verifier over generated inputs (hypothesis).

Round trips hold for every valid pass; any single-byte change to a signed pass and any
trailing byte are refused; every input, however hostile, gets a Decision. Runs are
derandomized (the same examples on every machine) and keep no example database: a failure
in CI is reproducible from the seed hypothesis prints, and the working tree stays clean.
"""

from __future__ import annotations

import base45
import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officegate.protocol import (
    Decision,
    DoorPolicy,
    KeySet,
    PassClaims,
    PassKind,
    Reason,
    SigningKey,
    issue_pass,
    parse_text,
    rotating_text,
    static_text,
    verify,
)
from officegate.protocol.claims import MAX_NUMERIC_DATE
from officegate.protocol.cose import sign1

from .helpers import NOW, phone_text, visitor_claims

# No deadline and no too_slow check: CI runs two suites at once on two cores.
PROPERTY = settings(max_examples=100, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
ED, ES = SigningKey.generate("EdDSA"), SigningKey.generate("ES256")
KEYS = KeySet("hq", [ED.trusted(), ES.trusted()], version=1)
DOOR = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
PRINTED = {key.alg: issue_pass(visitor_claims(static=True), key) for key in (ED, ES)}

words = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7F)
                | st.sampled_from("会議室ö😀"), min_size=1, max_size=24)
dates = st.integers(0, MAX_NUMERIC_DATE - 1)


@st.composite
def pass_claims(draw: st.DrawFn) -> PassClaims:
    kind = draw(st.sampled_from(PassKind))
    return PassClaims(
        issuer=draw(words), subject=draw(words), pass_id=draw(st.binary(min_size=8, max_size=8)),
        issued_at=draw(dates), not_before=draw(dates), expires=draw(dates), kind=kind,
        visit_id=draw(dates) if kind is PassKind.VISITOR else None,
        zones=tuple(draw(st.lists(words, max_size=4))),
        doors=tuple(draw(st.lists(words, max_size=4))),
        static=draw(st.booleans()),
        entitlements=tuple(draw(st.lists(words, max_size=3))),
    )


def decide(text: str) -> Decision:
    return verify(text, keys=KEYS, revoked=(), door=DOOR, now=NOW)


@PROPERTY
@given(pass_claims())
def test_claims_survive_the_cbor_map_round_trip(claims):
    assert PassClaims.from_cbor_map(cbor2.loads(cbor2.dumps(claims.to_cbor_map()))) == claims


@PROPERTY
@given(st.binary(max_size=400), st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_qr_text_round_trips_and_stays_alphanumeric(cose, code):
    for text, expected_code in ((static_text(cose), None), (rotating_text(cose, code), code)):
        if cose:
            scanned = parse_text(text)
            assert (scanned.cose, scanned.code) == (cose, expected_code)
        assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@settings(PROPERTY, max_examples=40)
@given(pass_claims(), st.sampled_from([ED, ES]))
def test_every_valid_pass_we_issue_is_accepted_with_its_claims(claims, key):
    claims = PassClaims(**{**{f: getattr(claims, f) for f in PassClaims.__dataclass_fields__},
                           "not_before": int(NOW) - 1, "expires": int(NOW) + 1,
                           "doors": ("gate-1",)})
    d = decide(phone_text(claims, key))
    assert d.accepted and d.claims == claims and d.kid == key.kid


@PROPERTY
@given(st.sampled_from(sorted(PRINTED)), st.data())
def test_any_single_byte_change_to_a_signed_pass_is_refused(alg, data):
    genuine = PRINTED[alg]
    i = data.draw(st.integers(0, len(genuine) - 1), label="index")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != genuine[i]), label="byte")
    forged = genuine[:i] + bytes([new]) + genuine[i + 1:]
    d = decide(static_text(forged))
    assert not d.accepted and d.detail_code


@PROPERTY
@given(st.sampled_from(sorted(PRINTED)), st.binary(min_size=1, max_size=16))
def test_any_trailing_bytes_are_refused(alg, extra):
    d = decide(static_text(PRINTED[alg] + extra))
    assert d.reason is Reason.MALFORMED and d.detail_code == "cose.trailing"


@settings(PROPERTY, max_examples=300)
@given(st.text(max_size=300))
def test_any_text_gets_a_decision(text):
    d = decide(text)
    assert isinstance(d, Decision) and not d.accepted and d.detail_code


@settings(PROPERTY, max_examples=300)
@given(st.binary(max_size=300), st.sampled_from(["OG1S", "OG1R12345678"]))
def test_any_bytes_behind_a_pass_prefix_get_a_decision(body, prefix):
    d = decide(prefix + base45.b45encode(body).decode())
    assert isinstance(d, Decision) and not d.accepted and d.detail_code


cbor_items = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | words
    | st.binary(max_size=16),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.integers(-8, 8) | st.sampled_from("kvzdse"), inner, max_size=6),
    max_leaves=12,
)


@PROPERTY
@given(cbor_items)
def test_any_signed_payload_gets_a_decision_and_only_valid_claims_pass(payload):
    d = decide(static_text(sign1(cbor2.dumps(payload), ED)))
    assert isinstance(d, Decision)
    if d.reason is Reason.MALFORMED:
        assert d.claims is None and d.detail_code.startswith(("claim", "undecodable"))
    else:
        assert isinstance(d.claims, PassClaims)
