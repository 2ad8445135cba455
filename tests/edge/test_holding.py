"""A pass already let through and still held up: decided once, its signature checked once.

A visitor holds the phone over the reader for a second or two after the gate opened: 30 to 60
more frames of the same pass. Each used to check the COSE signature again (Ed25519, ~15 % of a
frame's work). Now the same accepted text within the hold is asked of the replay guard only;
anything the server says in between (keys, revocations, door config) ends that shortcut.
"""

from __future__ import annotations

import importlib

import pytest

from officegate.protocol import Reason
from officegate.protocol.messages import Revocations

from .helpers import Gate, Site


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every COSE signature the gate checks, in order."""
    checked: list[bytes] = []
    # The module, not the function the package re-exports under the same name.
    verify = importlib.import_module("officegate.protocol.verify")
    real = verify.verify_sign1

    def counting(message, key):  # type: ignore[no-untyped-def]
        checked.append(message.signature)
        return real(message, key)

    monkeypatch.setattr(verify, "verify_sign1", counting)
    return checked


def test_a_held_pass_opens_once_and_its_signature_is_checked_once(
        gate: Gate, site: Site, signature_checks: list[bytes]) -> None:
    visitor = site.visitor(gate.clock)

    decisions = gate.hold(visitor.screen, frames=30, dt=0.05)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]
    assert len(gate.board.relay_openings()) == 1
    assert len(signature_checks) == 1


def test_a_pass_revoked_while_held_is_denied_at_once(gate: Gate, site: Site,
                                                     signature_checks: list[bytes]) -> None:
    visitor = site.visitor(gate.clock)
    assert [d.reason for d in gate.hold(visitor.screen, frames=5, dt=0.05)] == [Reason.ACCEPTED]

    gate.agent.verifier.update_revocations(
        Revocations("hq", 2, (site.last_claims.pass_id_hex,)))  # type: ignore[union-attr]
    later = gate.hold(visitor.screen, frames=5, dt=0.05)

    assert [d.reason for d in later] == [Reason.REVOKED]
    assert len(signature_checks) >= 2  # checked afresh after the revocation arrived


def test_the_same_code_shown_again_after_the_hold_is_a_replay(gate: Gate, site: Site) -> None:
    visitor = site.visitor(gate.clock)
    screenshot = visitor.screenshot_at(gate.clock.now)
    gate.hold(screenshot, frames=3, dt=0.05)

    gate.clock.advance(gate.agent.verifier.hold_seconds + 1)  # walked through, came back
    again = gate.hold(screenshot, frames=3, dt=0.05)

    assert [d.reason for d in again] == [Reason.REPLAYED]
