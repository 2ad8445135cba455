"""The edge's verifier on its own (no camera): what it trusts, and one decision per presentation.

Each test is what a guard or an attacker would notice at the gate: a key set, revocation list
or config meant for somebody else is refused; a denial beeps once while the same thing is
held up, and again when it comes back; the door's schedule and anti-passback apply after the
pass itself is valid.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from officegate.edge.cache import EdgeCache
from officegate.edge.passback import ALREADY_INSIDE, PassbackLedger
from officegate.edge.verifier import EdgeVerifier
from officegate.protocol import (
    KeySet,
    PassClaims,
    Reason,
    issue_pass,
    pass_secret,
    rotating_code,
    rotating_text,
    static_text,
)
from officegate.protocol.messages import Revocations

from .helpers import NOW, Site, device_config


def phone(site: Site, claims: PassClaims, at: float = NOW) -> str:
    """The rotating QR text the visitor's phone shows at ``at``."""
    code = rotating_code(pass_secret(site.key.code_key, claims.pass_id), at)
    return rotating_text(issue_pass(claims, site.key), code)


def make(site: Site, **options: object) -> EdgeVerifier:
    fields: dict[str, object] = dict(device="gate-1", site="hq", zone="lobby",
                                     relay_pulse_ms=1500, keys=site.keys)
    fields.update(options)
    return EdgeVerifier(**fields)  # type: ignore[arg-type]


def junk(n: int) -> str:
    return f"NOT A PASS {n}"


# What it trusts ------------------------------------------------------------------------------
def test_without_a_keyset_every_pass_is_unknown_key() -> None:
    site = Site()
    verifier = make(site, keys=None)
    d = verifier.decide(phone(site, site.claims()), NOW)
    assert d is not None and d.reason is Reason.UNKNOWN_KEY and d.detail_code == "key.unknown"
    assert verifier.keys.site == "hq" and verifier.keys.keys == () and verifier.keys.version == 0


def test_initial_state_is_what_the_constructor_was_given() -> None:
    site = Site()
    revoked = site.claims()
    verifier = make(site, zone="floor-3", relay_pulse_ms=700,
                    revocations=Revocations("hq", 3, (revoked.pass_id_hex,)))
    assert verifier.policy.zone == "floor-3" and verifier.policy.device == "gate-1"
    assert verifier.relay_pulse_ms == 700 and verifier.mode == "normal"
    assert verifier.config is None and verifier.passback is None
    assert verifier.revocations is not None and verifier.revocations.version == 3
    d = verifier.decide(phone(site, revoked), NOW)
    assert d is not None and d.reason is Reason.REVOKED


def test_keyset_for_another_site_is_refused_and_changes_nothing() -> None:
    site, other = Site(), Site(site="branch")
    verifier = make(site)
    with pytest.raises(ValueError, match="site 'branch'"):
        verifier.update_keys(other.keys)
    assert verifier.keys is not other.keys
    d = verifier.decide(phone(site, site.claims()), NOW)
    assert d is not None and d.accepted


def test_new_keyset_replaces_the_old_one() -> None:
    site, successor = Site(), Site()
    verifier = make(site)
    verifier.update_keys(KeySet("hq", [successor.key.trusted()], 2))
    assert verifier.keys.version == 2
    old = verifier.decide(phone(site, site.claims()), NOW)
    new = verifier.decide(phone(successor, successor.claims()), NOW)
    assert old is not None and old.reason is Reason.UNKNOWN_KEY
    assert new is not None and new.accepted


def test_revocations_for_another_site_are_refused() -> None:
    site = Site()
    claims = site.claims()
    verifier = make(site)
    with pytest.raises(ValueError, match="site 'branch'"):
        verifier.update_revocations(Revocations("branch", 9, (claims.pass_id_hex,)))
    assert verifier.revocations is None
    d = verifier.decide(phone(site, claims), NOW)
    assert d is not None and d.accepted


def test_another_doors_config_is_refused() -> None:
    site = Site()
    verifier = make(site)
    with pytest.raises(ValueError, match="device 'room-301'"):
        verifier.update_config(device_config(device="room-301", zone="floor-3",
                                             mode="unlocked", relay_pulse_ms=9000))
    assert verifier.config is None and verifier.mode == "normal"
    assert verifier.relay_pulse_ms == 1500 and verifier.policy.zone == "lobby"


def test_config_sets_zone_static_passes_period_pulse_and_mode() -> None:
    site = Site()
    verifier = make(site)
    config = device_config(zone="floor-3", allow_static=True, code_period=30,
                           relay_pulse_ms=800, mode="locked", version=4)
    verifier.update_config(config)
    assert verifier.config is config
    assert verifier.relay_pulse_ms == 800 and verifier.mode == "locked"
    policy = verifier.policy
    assert (policy.zone, policy.allow_static, policy.code_period) == ("floor-3", True, 30)
    assert policy.code_tolerance == 1  # clock-skew tolerance is the edge's, not the config's
    printed = static_text(issue_pass(site.claims(static=True, zones=("floor-3",),
                                                 doors=()), site.key))
    d = verifier.decide(printed, NOW)
    assert d is not None and d.accepted


def test_config_given_to_the_constructor_is_applied() -> None:
    site = Site()
    verifier = make(site, config=device_config(mode="unlocked", relay_pulse_ms=900))
    assert verifier.mode == "unlocked" and verifier.relay_pulse_ms == 900
    assert verifier.config is not None and verifier.config.mode == "unlocked"


# One decision per presentation --------------------------------------------------------------
def test_junk_held_up_beeps_once_and_again_after_the_hold() -> None:
    verifier = make(Site())
    first = verifier.decide(junk(1), NOW)
    assert first is not None and first.reason is Reason.MALFORMED
    assert first.detail_code == "text.prefix"
    # Seen every few seconds for a minute: each sighting keeps the hold alive.
    for t in range(5, 60, 5):
        assert verifier.decide(junk(1), NOW + t) is None
    assert verifier.decide(junk(1), NOW + 55 + 5.01) is not None  # gone for longer than 5 s


def test_frames_within_the_same_instant_or_second_are_one_presentation() -> None:
    verifier = make(Site())
    assert verifier.decide(junk(1), NOW) is not None
    assert verifier.decide(junk(1), NOW) is None
    assert verifier.decide(junk(1), NOW + 0.5) is None


def test_a_held_denial_is_not_judged_again_until_the_hold_ends() -> None:
    # The guard heard one beep for this presentation; the visitor shows the pass again.
    site = Site()
    claims = site.claims(not_before=int(NOW) + 1)
    verifier = make(site)
    text = phone(site, claims, NOW)
    early = verifier.decide(text, NOW)
    assert early is not None and early.reason is Reason.NOT_YET_VALID
    assert verifier.decide(text, NOW + 1.5) is None  # valid by now, still the same showing
    again = verifier.decide(text, NOW + 7.0)
    assert again is not None and again.accepted


def test_hold_is_five_seconds_by_default_inclusive() -> None:
    verifier = make(Site())
    verifier.decide(junk(1), NOW)
    assert verifier.decide(junk(1), NOW + 5.0) is None
    verifier.decide(junk(2), NOW)
    assert verifier.decide(junk(2), NOW + 5.001) is not None


def test_a_clock_that_jumped_back_does_not_hold_a_denial() -> None:
    verifier = make(Site(), hold_seconds=3.0)
    verifier.decide(junk(1), NOW)
    assert verifier.decide(junk(1), NOW - 0.5) is not None
    assert verifier.decide(junk(1), NOW + 2.0) is None  # held since the later sighting


def test_accepted_pass_in_front_of_the_camera_is_decided_once() -> None:
    site = Site()
    verifier = make(site)
    text = phone(site, site.claims())
    d = verifier.decide(text, NOW)
    assert d is not None and d.accepted and not d.holding and d.detail_code == ""
    assert verifier.decide(text, NOW + 0.2) is None
    assert verifier.decide(text, NOW + 0.4) is None


def test_revoked_pass_whose_code_rotates_is_held_as_one_presentation() -> None:
    site = Site()
    claims = site.claims()
    verifier = make(site, revocations=Revocations("hq", 1, (claims.pass_id_hex,)))
    d = verifier.decide(phone(site, claims, NOW), NOW)
    assert d is not None and d.reason is Reason.REVOKED and d.detail_code == "pass.revoked"
    # The phone draws the next code: different text, same pass, same reason.
    assert verifier.decide(phone(site, claims, NOW + 10), NOW + 4.0) is None
    assert verifier.decide(phone(site, claims, NOW + 20), NOW + 9.0) is None
    again = verifier.decide(phone(site, claims, NOW + 30), NOW + 15.0)
    assert again is not None and again.reason is Reason.REVOKED


def test_revoked_pass_held_up_across_a_code_rotation_beeps_once() -> None:
    # Frames every 0.1 s for 15 s: the code rotates at 10 s, long after the first beep.
    site = Site()
    claims = site.claims()
    verifier = make(site, revocations=Revocations("hq", 1, (claims.pass_id_hex,)))
    beeps = []
    for frame in range(150):
        at = NOW + frame / 10
        d = verifier.decide(phone(site, claims, at), at)
        if d is not None:
            beeps.append((frame, d.reason))
    assert beeps == [(0, Reason.REVOKED)]


@pytest.mark.parametrize("later", [0.0, 0.5])
def test_next_code_of_a_denied_pass_moments_later_is_the_same_presentation(later) -> None:
    site = Site()
    claims = site.claims()
    verifier = make(site, revocations=Revocations("hq", 1, (claims.pass_id_hex,)))
    assert verifier.decide(phone(site, claims, NOW), NOW) is not None
    assert verifier.decide(phone(site, claims, NOW + 10), NOW + later) is None


def test_same_pass_denied_for_another_reason_is_a_new_decision() -> None:
    site = Site()
    claims = site.claims(expires=int(NOW) + 2)
    verifier = make(site)
    stale = verifier.decide(phone(site, claims, NOW - 600), NOW)
    assert stale is not None and stale.reason is Reason.STALE_CODE
    assert stale.detail_code == "code.stale"
    assert verifier.decide(phone(site, claims, NOW - 300), NOW + 1) is None  # same reason
    expired = verifier.decide(phone(site, claims, NOW + 3), NOW + 3)
    assert expired is not None and expired.reason is Reason.EXPIRED


@pytest.mark.parametrize("update", ["keys", "revocations", "config"])
def test_news_from_the_server_ends_every_hold(update: str) -> None:
    # A pass denied a moment ago may be fine now: decide it again at once.
    site = Site()
    claims = site.claims()
    verifier = make(site, revocations=Revocations("hq", 1, (claims.pass_id_hex,)))
    text = phone(site, claims)
    assert verifier.decide(text, NOW) is not None
    assert verifier.decide(junk(1), NOW) is not None
    if update == "keys":
        verifier.update_keys(site.keys)
    elif update == "revocations":
        verifier.update_revocations(Revocations("hq", 2, ()))
    else:
        verifier.update_config(device_config(version=2))
    assert verifier.decide(junk(1), NOW + 1) is not None
    assert verifier.decide(phone(site, claims, NOW + 1), NOW + 1) is not None


def test_a_flood_of_junk_codes_is_forgotten_not_stored() -> None:
    verifier = make(Site())
    for n in range(256):
        assert verifier.decide(junk(n), NOW) is not None
    assert verifier.decide(junk(0), NOW + 1) is None  # 256 held: all remembered
    verifier.decide(junk(256), NOW + 1)  # one more: the memory is emptied, never grows
    assert len(verifier._held_denials) <= 256
    assert verifier.decide(junk(0), NOW + 1.5) is not None


def test_when_memory_is_full_only_old_denials_are_dropped() -> None:
    verifier = make(Site(), hold_seconds=5.0)
    for n in range(250):
        verifier.decide(junk(n), NOW)
    for n in range(250, 256):
        verifier.decide(junk(n), NOW + 5.0)  # exactly the hold later
    verifier.decide(junk(999), NOW + 10.0)  # full: drop what is older than 5 s
    assert verifier.decide(junk(255), NOW + 10.0) is None  # 5 s old: still held
    assert verifier.decide(junk(0), NOW + 10.0) is not None


# The door's own rules -------------------------------------------------------------------------
def test_closed_door_is_wrong_door_unless_it_stands_open() -> None:
    site = Site()
    closed = dict(timezone="UTC", opening_hours={"sun": [["00:00", "00:01"]]})
    verifier = make(site, config=device_config(**closed))
    d = verifier.decide(phone(site, site.claims()), NOW)
    assert d is not None and d.reason is Reason.WRONG_DOOR
    assert d.detail_code == "door.closed" and "opening hours" in d.detail
    verifier.update_config(device_config(mode="unlocked", version=2, **closed))
    d = verifier.decide(phone(site, site.claims()), NOW)
    assert d is not None and d.accepted


def test_anti_passback_denies_a_second_entry(tmp_path: Path) -> None:
    site = Site()
    verifier = make(site, config=device_config(side="entry"))
    verifier.passback = PassbackLedger(EdgeCache(tmp_path))
    claims = site.claims()
    d = verifier.decide(phone(site, claims), NOW)
    assert d is not None and d.accepted
    verifier.passback.passed(claims.pass_id_hex, "entry", NOW)
    again = verifier.decide(phone(site, claims, NOW + 60), NOW + 60)
    assert again is not None and again.reason is Reason.REPLAYED
    assert again.detail == ALREADY_INSIDE and again.detail_code == "door.passback"
    assert again.claims == claims


def test_anti_passback_needs_a_side(tmp_path: Path) -> None:
    site = Site()
    verifier = make(site, config=device_config())
    verifier.passback = PassbackLedger(EdgeCache(tmp_path))
    claims = site.claims()
    verifier.passback.passed(claims.pass_id_hex, "entry", NOW)
    d = verifier.decide(phone(site, claims, NOW + 60), NOW + 60)
    assert d is not None and d.accepted
