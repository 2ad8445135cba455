"""The contract's edges: which check refused a pass (detail_code), at exactly each boundary.

A weakened check that still ends in ``malformed`` is a bug a reason alone cannot show, so the
tests here assert the stable ``detail_code`` of each refusal.
"""

from __future__ import annotations

import cbor2
import pytest

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    PassKind,
    Reason,
    ReplayGuard,
    SigningKey,
    TrustedKey,
    issue_pass,
    rotating_text,
    static_text,
    verify,
)

from .helpers import NOW, phone_text, visitor_claims


def check(text: str, keys: KeySet, door: DoorPolicy | None = None, now: float = NOW,
          revoked: frozenset[bytes] = frozenset()):
    return verify(text, keys=keys, revoked=revoked,
                  door=door or DoorPolicy(device="gate-1", zone="lobby"), now=now)


# The door's policy ---------------------------------------------------------------------------
def test_door_policy_defaults_refuse_printed_passes_and_allow_one_step_of_skew():
    door = DoorPolicy(device="gate-1", zone="lobby")
    assert (door.allow_static, door.code_period, door.code_tolerance) == (False, 10, 1)


@pytest.mark.parametrize(("period", "tolerance"), [(1, 0), (10, 10), (30, 1)])
def test_door_policy_within_its_limits_is_accepted(period, tolerance):
    door = DoorPolicy(device="gate-1", zone="lobby", code_period=period,
                      code_tolerance=tolerance)
    assert (door.code_period, door.code_tolerance) == (period, tolerance)


@pytest.mark.parametrize(("period", "tolerance"), [(0, 1), (-10, 1), (10, -1), (10, 11),
                                                   (10, 1000)])
def test_door_policy_beyond_its_limits_is_refused(period, tolerance):
    # A pushed tolerance of 1,000 steps would accept codes hours old.
    with pytest.raises(ValueError, match="code_tolerance 0 to 10"):
        DoorPolicy(device="gate-1", zone="lobby", code_period=period, code_tolerance=tolerance)


def test_longer_code_period_at_the_door_accepts_the_phones_matching_code(site_key, keys):
    claims = visitor_claims()
    from officegate.protocol import pass_secret, rotating_code

    code = rotating_code(pass_secret(site_key.code_key, claims.pass_id), NOW, period=30)
    text = rotating_text(issue_pass(claims, site_key), code)
    door = DoorPolicy(device="gate-1", zone="lobby", code_period=30)
    d = check(text, keys, door)
    assert d.accepted and d.counter == int(NOW // 30)
    assert check(text, keys).reason is Reason.STALE_CODE  # a 10 s door computes other codes


def test_zero_tolerance_accepts_only_the_current_step(site_key, keys):
    strict = DoorPolicy(device="gate-1", zone="lobby", code_tolerance=0)
    assert check(phone_text(visitor_claims(), site_key), keys, strict).accepted
    late = check(phone_text(visitor_claims(), site_key, at=NOW - 10), keys, strict)
    assert late.reason is Reason.STALE_CODE and late.detail_code == "code.stale"


# Validity in time, exactly at the boundaries ---------------------------------------------------
def test_pass_is_valid_from_exactly_nbf(site_key, keys):
    claims = visitor_claims(not_before=int(NOW))
    assert check(phone_text(claims, site_key), keys).accepted
    early = check(phone_text(claims, site_key, at=NOW - 1), keys, now=NOW - 1)
    assert early.reason is Reason.NOT_YET_VALID and early.detail_code == "time.not_yet_valid"


def test_pass_is_valid_until_just_before_exp(site_key, keys):
    claims = visitor_claims(expires=int(NOW) + 1)
    assert check(phone_text(claims, site_key), keys).accepted
    late = check(phone_text(claims, site_key, at=NOW + 1), keys, now=NOW + 1)
    assert late.reason is Reason.EXPIRED and late.detail_code == "time.expired"


# Every refusal names its check ----------------------------------------------------------------
def test_each_denial_reason_has_its_detail_code(site_key, keys):
    claims = visitor_claims()
    text = phone_text(claims, site_key)
    assert check(text, keys, revoked=frozenset({claims.pass_id})).detail_code == "pass.revoked"
    wrong = check(text, keys, DoorPolicy(device="room-405", zone="floor-4"))
    assert wrong.detail_code == "door.not_listed"
    stranger = check(phone_text(claims, SigningKey.generate(site_key.alg)), keys)
    assert stranger.detail_code == "key.unknown"
    missing = check(static_text(issue_pass(claims, site_key)), keys)
    assert missing.detail_code == "code.missing"
    printed = check(static_text(issue_pass(visitor_claims(static=True), site_key)), keys)
    assert printed.detail_code == "code.static_refused"
    retired = KeySet("hq", [site_key.trusted(not_after=NOW - 1)], 2)
    assert check(text, retired).detail_code == "key.out_of_service"
    assert check(text, keys).detail_code == ""  # accepted: nothing refused


def test_replayed_code_is_named_as_such(site_key, keys):
    guard = ReplayGuard()
    text = phone_text(visitor_claims(), site_key)
    gate_1 = DoorPolicy(device="gate-1", zone="lobby")
    assert verify(text, keys=keys, revoked=(), door=gate_1, now=NOW, replay=guard).accepted
    again = verify(text, keys=keys, revoked=(), door=DoorPolicy("gate-2", "lobby"),
                   now=NOW + 1, replay=guard)
    assert again.reason is Reason.REPLAYED and again.detail_code == "replay.code_used"
    assert again.claims == visitor_claims() and again.counter == int(NOW // 10)
    assert again.kid == site_key.kid and not again.holding
    held = verify(text, keys=keys, revoked=(), door=gate_1, now=NOW + 0.5, replay=guard)
    assert held.accepted and held.holding
    assert held.detail == "same pass still in front of the camera"


def test_rotating_pass_whose_key_has_no_code_key_is_stale_code(site_key):
    bare = TrustedKey(site_key.kid, site_key.alg, site_key.public_key, b"")
    d = check(phone_text(visitor_claims(), site_key), KeySet("hq", [bare], 1))
    assert d.reason is Reason.STALE_CODE and d.detail_code == "code.no_code_key"
    assert site_key.kid.hex() in d.detail
    printed = static_text(issue_pass(visitor_claims(static=True), site_key))
    welcome = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
    assert check(printed, KeySet("hq", [bare], 1), welcome).accepted  # no code to check


def test_accepted_without_a_replay_guard_is_a_plain_acceptance(site_key, keys):
    d = check(phone_text(visitor_claims(), site_key), keys)
    assert d.accepted and not d.holding and d.detail == "" and d.detail_code == ""


def test_bad_signatures_name_their_check(site_key, keys):
    genuine = cbor2.loads(issue_pass(visitor_claims(static=True), site_key)).value
    welcome = DoorPolicy(device="gate-1", zone="lobby", allow_static=True)
    forged = [genuine[0], genuine[1], genuine[2], bytes(64)]
    d = check(static_text(cbor2.dumps(cbor2.CBORTag(18, forged))), keys, welcome)
    assert d.reason is Reason.BAD_SIGNATURE and d.detail_code == "signature.invalid"
    other = -7 if site_key.alg == "EdDSA" else -8
    relabelled = [cbor2.dumps({1: other, 4: site_key.kid}), *genuine[1:]]
    d = check(static_text(cbor2.dumps(cbor2.CBORTag(18, relabelled))), keys, welcome)
    assert d.reason is Reason.BAD_SIGNATURE and d.detail_code == "signature.alg"
    assert d.claims is None and d.kid == site_key.kid


def test_verify_always_answers_even_when_a_collaborator_breaks(site_key, caplog):
    class BrokenKeys:
        def get(self, kid: bytes) -> None:
            raise RuntimeError("disk on fire")

    d = verify(phone_text(visitor_claims(), site_key), keys=BrokenKeys(),  # type: ignore[arg-type]
               revoked=(), door=DoorPolicy("gate-1", "lobby"), now=NOW)
    assert d is not None and d.reason is Reason.MALFORMED
    assert d.detail_code == "undecodable" and "RuntimeError" in d.detail and d.claims is None
    # The installer hears about it (the type only: a message could carry pass contents).
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "unexpected RuntimeError while verifying a pass")]


# Employee passes ------------------------------------------------------------------------------
def test_employee_pass_is_accepted_and_names_no_visit(site_key, keys):
    employee = visitor_claims(kind=PassKind.EMPLOYEE, visit_id=None)
    d = check(phone_text(employee, site_key), keys)
    assert d.accepted and d.claims == employee and d.claims.visit_id is None


def test_employee_pass_with_a_visit_id_is_malformed(site_key, keys):
    from officegate.protocol import MalformedPass
    from officegate.protocol.cose import sign1

    with pytest.raises(MalformedPass) as raised:
        visitor_claims(kind=PassKind.EMPLOYEE, visit_id=7)
    assert raised.value.code == "claim.v.employee"
    m = visitor_claims().to_cbor_map() | {"k": "e"}
    d = check(static_text(sign1(cbor2.dumps(m), site_key)), keys)
    assert d.reason is Reason.MALFORMED and d.detail_code == "claim.v.employee"
