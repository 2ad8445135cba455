"""A lobby gate with mock pins and a simulated camera: what a visitor and a guard notice."""

from __future__ import annotations

import pytest

from officegate.protocol import Reason
from officegate.protocol.messages import Revocations

from .helpers import NOW, Gate, Site, device_config


def test_valid_rotating_pass_held_for_30_frames_opens_once(gate: Gate, site: Site) -> None:
    # Counted from the board's log of every time the relay was energised, so a slow machine
    # (the pulse ending between frames) and a fast one (a second opening hidden inside a
    # running pulse) are judged alike.
    gate.clock.advance(8)  # the code rotates 2 s into the 3 s hold
    visitor = site.visitor(gate.clock)

    decisions = gate.hold(visitor.screen, frames=30)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]
    assert gate.board.relay_energised() == 1
    assert len(gate.board.relay_openings()) == 1
    assert gate.board.green_flashes() == 1 and gate.board.red_flashes() == 0
    events = gate.events()
    assert len(events) == 1
    event = events[0]
    assert event["reason"] == "accepted" and event["device"] == "gate-1"
    assert event["visit_id"] == 123456 and event["pass_id"] == decisions[0].claims.pass_id_hex
    assert event["latency_ms"] > 0


def test_old_screenshot_is_denied_stale_code_with_red_and_no_relay(gate: Gate, site: Site) -> None:
    visitor = site.visitor(gate.clock)
    screenshot = visitor.screenshot_at(NOW - 60)  # taken a minute ago

    decisions = gate.hold(screenshot, frames=20)

    assert [d.reason for d in decisions] == [Reason.STALE_CODE]
    assert gate.board.relay_openings() == []
    # Counted from the board's log, not "is the LED lit now": on a loaded machine the red
    # flash may already be over when the 20 frames are done.
    assert gate.board.red_flashes() == 1 and gate.board.green_flashes() == 0
    assert [e["reason"] for e in gate.events()] == ["stale_code"]


def test_replayed_code_after_the_visitor_walked_through(gate: Gate, site: Site) -> None:
    visitor = site.visitor(gate.clock)
    gate.hold(visitor.screen, frames=3)
    photo = visitor.screenshot_at(gate.clock.now - 0.3)  # a friend photographed the screen
    gate.clock.advance(6)  # the visitor walked away; the friend comes to the same gate

    decisions = gate.hold(photo, frames=5)

    assert [d.reason for d in decisions] == [Reason.REPLAYED]
    assert len(gate.board.relay_openings()) == 1  # only the real visitor's opening


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"doors": ("room-301",), "zones": ("floor-3",)}, Reason.WRONG_DOOR),
        ({"expires": int(NOW) - 1}, Reason.EXPIRED),
        ({"not_before": int(NOW) + 3600}, Reason.NOT_YET_VALID),
    ],
)
def test_denied_pass_gets_red_and_its_reason_logged(
    gate: Gate, site: Site, changes: dict, reason: Reason
) -> None:
    visitor = site.visitor(gate.clock, **changes)

    decisions = gate.hold(visitor.screen, frames=10)

    assert [d.reason for d in decisions] == [reason]
    assert gate.board.relay_openings() == []
    assert gate.board.red_flashes() == 1 and gate.board.green_flashes() == 0
    assert [e["reason"] for e in gate.events()] == [reason.value]


def test_revoked_pass_is_denied(gate: Gate, site: Site) -> None:
    visitor = site.visitor(gate.clock)
    claims_id = site.last_claims.pass_id_hex
    gate.agent.verifier.update_revocations(Revocations("hq", 2, (claims_id,)))

    decisions = gate.hold(visitor.screen, frames=10)

    assert [d.reason for d in decisions] == [Reason.REVOKED]
    assert gate.board.relay_openings() == []
    assert [(e["reason"], e["pass_id"]) for e in gate.events()] == [("revoked", claims_id)]


def test_revoked_pass_held_up_while_its_code_rotates_beeps_once(gate: Gate, site: Site) -> None:
    # The phone keeps drawing a fresh code; the guard hears one denial, the log has one event.
    gate.clock.advance(8)  # the 10 s code rotates 2 s into the 4 s hold
    visitor = site.visitor(gate.clock)
    gate.agent.verifier.update_revocations(
        Revocations("hq", 2, (site.last_claims.pass_id_hex,)))  # type: ignore[union-attr]

    decisions = gate.hold(visitor.screen, frames=40)

    assert [d.reason for d in decisions] == [Reason.REVOKED]
    assert gate.board.red_flashes() == 1
    assert [e["reason"] for e in gate.events()] == ["revoked"]


def test_revoked_pass_shown_again_later_is_denied_again(gate: Gate, site: Site) -> None:
    visitor = site.visitor(gate.clock)
    gate.agent.verifier.update_revocations(
        Revocations("hq", 2, (site.last_claims.pass_id_hex,)))  # type: ignore[union-attr]

    first = gate.hold(visitor.screen, frames=5)
    gate.clock.advance(30)  # walked away, came back
    second = gate.hold(visitor.screen, frames=5)

    assert [d.reason for d in first + second] == [Reason.REVOKED, Reason.REVOKED]


def test_pass_signed_by_an_unknown_key_is_denied(gate: Gate) -> None:
    stranger = Site()  # someone else's key, same site name

    decisions = gate.hold(stranger.visitor(gate.clock).screen, frames=5)

    assert [d.reason for d in decisions] == [Reason.UNKNOWN_KEY]
    event = gate.events()[0]
    assert event["visit_id"] is None  # unauthenticated claims never reach the access log


def test_a_qr_that_is_not_a_pass_is_denied_malformed(gate: Gate) -> None:
    from officegate.firmware_sim.phone import phone_screen

    wifi = phone_screen("WIFI:S:guest;T:WPA;P:hunter2;;")

    decisions = gate.hold(lambda: wifi, frames=5)

    assert [d.reason for d in decisions] == [Reason.MALFORMED]
    assert gate.board.relay_openings() == []


def test_locked_down_gate_does_not_open_for_a_valid_pass(gate: Gate, site: Site) -> None:
    gate.agent.verifier.update_config(device_config(mode="locked", version=2))

    gate.hold(site.visitor(gate.clock).screen, frames=5)

    assert gate.board.relay_openings() == []
    assert gate.board.red_flashes() == 1
    assert [e["detail"] for e in gate.events()] == ["door is locked down: not opened"]


def test_empty_lobby_makes_no_decision(gate: Gate) -> None:
    assert gate.hold(None, frames=10) == []
    assert gate.events() == [] and gate.board.relay_openings() == []
