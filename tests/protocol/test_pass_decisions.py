"""Every denial reason (and acceptance) as a gate would see it, in the contract's order."""

from __future__ import annotations

import base45
import cbor2
import pytest

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    Reason,
    SigningKey,
    issue_pass,
    static_text,
    verify,
)
from officegate.protocol.cose import sign1

from .helpers import NOW, phone_text, visitor_claims


def check(text: str, keys: KeySet, door: DoorPolicy, now: float = NOW,
          revoked: frozenset[bytes] = frozenset()):
    return verify(text, keys=keys, revoked=revoked, door=door, now=now)


def test_typical_pass_is_accepted_at_its_gate(site_key, keys, gate):
    d = check(phone_text(visitor_claims(), site_key), keys, gate)
    assert d.reason is Reason.ACCEPTED and d.accepted
    assert d.claims == visitor_claims()
    assert d.counter == int(NOW // 10)
    assert d.kid == site_key.kid


def test_zone_alone_is_enough(site_key, keys):
    lobby_door = DoorPolicy(device="lobby-door-2", zone="lobby")
    assert check(phone_text(visitor_claims(), site_key), keys, lobby_door).accepted


def test_garbage_is_malformed_with_a_reason(keys, gate):
    d = check("HELLO WORLD", keys, gate)
    assert d.reason is Reason.MALFORMED
    assert "OG1S or OG1R" in d.detail
    assert d.claims is None and not d.accepted


def test_pass_signed_by_a_stranger_is_unknown_key(site_key, keys, gate):
    stranger = SigningKey.generate(site_key.alg)
    d = check(phone_text(visitor_claims(), stranger), keys, gate)
    assert d.reason is Reason.UNKNOWN_KEY
    assert stranger.kid.hex() in d.detail
    assert d.claims is None  # nobody we trust vouches for these claims


def test_tampered_claims_are_bad_signature(site_key, keys, gate):
    genuine = cbor2.loads(issue_pass(visitor_claims(), site_key))
    protected, unprotected, payload, signature = genuine.value
    claims = cbor2.loads(payload)
    claims["d"] = ["gate-1", "room-301", "server-room"]  # the visitor adds a door
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims),
                                            signature]))
    d = check(static_text(forged), keys, DoorPolicy("server-room", "it", allow_static=True))
    assert d.reason is Reason.BAD_SIGNATURE
    assert d.claims is None


def test_kid_of_trusted_key_with_other_alg_is_bad_signature(site_key, keys, gate):
    # Same kid, other algorithm in the header: must not be checked with the wrong alg.
    genuine = cbor2.loads(issue_pass(visitor_claims(), site_key)).value
    other = -7 if site_key.alg == "EdDSA" else -8
    protected = cbor2.dumps({1: other, 4: site_key.kid})
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, genuine[2], genuine[3]]))
    d = check(static_text(forged), keys, DoorPolicy("gate-1", "lobby", allow_static=True))
    assert d.reason is Reason.BAD_SIGNATURE


def test_before_the_visit_is_not_yet_valid(site_key, keys, gate):
    claims = visitor_claims(not_before=int(NOW) + 3600)
    d = check(phone_text(claims, site_key), keys, gate)
    assert d.reason is Reason.NOT_YET_VALID
    assert d.claims == claims  # signed claims: the event can name the visit


def test_after_the_visit_is_expired(site_key, keys, gate):
    claims = visitor_claims(expires=int(NOW))  # exp is the first moment it is invalid
    d = check(phone_text(claims, site_key), keys, gate)
    assert d.reason is Reason.EXPIRED


def test_revoked_pass_is_refused(site_key, keys, gate):
    claims = visitor_claims()
    d = check(phone_text(claims, site_key), keys, gate, revoked=frozenset({claims.pass_id}))
    assert d.reason is Reason.REVOKED
    assert claims.pass_id_hex in d.detail


def test_other_room_is_wrong_door(site_key, keys):
    room = DoorPolicy(device="room-405", zone="floor-4")
    d = check(phone_text(visitor_claims(), site_key), keys, room)
    assert d.reason is Reason.WRONG_DOOR


def test_screenshot_of_an_old_code_is_stale(site_key, keys, gate):
    taken_a_minute_ago = phone_text(visitor_claims(), site_key, at=NOW - 60)
    d = check(taken_a_minute_ago, keys, gate)
    assert d.reason is Reason.STALE_CODE
    assert "window" in d.detail


@pytest.mark.parametrize("skew", [-10, 0, 10])
def test_one_step_of_clock_skew_is_tolerated(site_key, keys, gate, skew):
    assert check(phone_text(visitor_claims(), site_key, at=NOW + skew), keys, gate).accepted


def test_two_steps_of_skew_are_not(site_key, keys, gate):
    assert check(phone_text(visitor_claims(), site_key, at=NOW + 20), keys, gate).reason is (
        Reason.STALE_CODE)


def test_rotating_pass_without_its_code_is_stale(site_key, keys, gate):
    # Someone re-encodes the phone's pass as a "static" QR to dodge the rotating code.
    d = check(static_text(issue_pass(visitor_claims(), site_key)), keys, gate)
    assert d.reason is Reason.STALE_CODE
    assert d.detail == "missing rotating code"


def test_printed_pass_refused_unless_door_allows_it(site_key, keys, gate):
    printed = static_text(issue_pass(visitor_claims(static=True), site_key))
    refused = check(printed, keys, gate)
    assert refused.reason is Reason.STALE_CODE
    assert refused.detail == "static pass refused at this door"
    welcome = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
    accepted = check(printed, keys, welcome)
    assert accepted.accepted and accepted.counter is None


def test_code_shown_again_at_another_gate_is_replayed(site_key, keys, gate):
    from officegate.protocol import ReplayGuard

    guard = ReplayGuard()
    text = phone_text(visitor_claims(), site_key)
    first = verify(text, keys=keys, revoked=(), door=gate, now=NOW, replay=guard)
    again = verify(text, keys=keys, revoked=(), door=gate, now=NOW + 1, replay=guard)
    elsewhere = verify(text, keys=keys, revoked=(), door=DoorPolicy("gate-2", "lobby"),
                       now=NOW + 2, replay=guard)
    assert first.accepted and not first.holding
    assert again.accepted and again.holding  # still in front of the camera: no second unlock
    assert elsewhere.reason is Reason.REPLAYED


def test_check_order_follows_the_contract(site_key, keys):
    # Expired AND wrong door AND stale code: the earliest check in the order wins.
    claims = visitor_claims(expires=int(NOW) - 1, not_before=int(NOW) - 100)
    text = phone_text(claims, site_key, at=NOW - 600)
    d = check(text, keys, DoorPolicy("room-405", "floor-4"))
    assert d.reason is Reason.EXPIRED


def test_message_without_kid_is_unknown_key(site_key, keys, gate):
    payload = cbor2.dumps(visitor_claims(static=True).to_cbor_map())
    protected = cbor2.dumps({1: -8})
    msg = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, b"\0" * 64]))
    d = check("OG1S" + base45.b45encode(msg).decode(), keys, gate)
    assert d.reason is Reason.UNKNOWN_KEY


def test_every_reason_is_covered_here():
    # Keeps this file honest when a reason is added to the enum.
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    for reason in Reason:
        assert f"Reason.{reason.name}" in source, reason


def test_sign1_helper_matches_issue_pass(site_key):
    claims = visitor_claims()
    assert cbor2.loads(issue_pass(claims, site_key)).value[2] == cbor2.dumps(
        claims.to_cbor_map())
    assert cbor2.loads(sign1(b"x", site_key)).tag == 18


def test_claims_built_from_lists_equal_decoded_claims(site_key, keys, gate):
    claims = visitor_claims(zones=["lobby"], doors=["gate-1", "room-301"])
    assert claims.zones == ("lobby",)
    d = check(phone_text(claims, site_key), keys, gate)
    assert d.claims == claims and hash(d.claims) == hash(claims)


def test_invalid_claims_cannot_be_issued(site_key):
    from officegate.protocol import MalformedPass, PassKind

    with pytest.raises(MalformedPass, match="visit id"):
        visitor_claims(kind=PassKind.VISITOR, visit_id=None)
    with pytest.raises(MalformedPass, match="8 bytes"):
        visitor_claims(pass_id=b"\x01")
