"""Anti-passback at the gate, decided offline and kept across a restart: a pass that entered
cannot enter again before it leaves; the server's word about the other gates is applied."""

from __future__ import annotations

from edge.helpers import Clock, Site, device_config

from officegate.edge.passback import ALREADY_INSIDE
from officegate.protocol import Reason

from .conftest import GateFactory

ENTRY = device_config(side="entry", anti_passback_group="hq-lobby")
EXIT = device_config(device="gate-2", side="exit", anti_passback_group="hq-lobby")


def test_second_entry_without_exit_is_denied_even_after_a_restart(
        start_gate: GateFactory, site: Site, clock: Clock) -> None:
    entry = start_gate(ENTRY)
    visitor = site.visitor(clock)
    assert [d.reason for d in entry.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]
    pass_id = site.last_claims.pass_id_hex
    entry.agent.close()  # power cut: the gate restarts from its data directory

    entry = start_gate()
    clock.advance(60)  # back at the entry with a fresh code, passing it to a friend
    decisions = entry.hold(visitor.screen, frames=5)

    assert [(d.reason, d.detail) for d in decisions] == [(Reason.REPLAYED, ALREADY_INSIDE)]
    assert entry.board.relay_energised() == 0 and entry.board.red_flashes() == 1
    # The outbox survived the restart too: both decisions are waiting for the server.
    assert [(e["reason"], e["detail"], e["pass_id"]) for e in entry.events()] == [
        ("accepted", "", pass_id), ("replayed", ALREADY_INSIDE, pass_id)]


def test_exit_at_the_same_gate_lets_the_pass_enter_again(
        start_gate: GateFactory, site: Site, clock: Clock) -> None:
    entry = start_gate(ENTRY)
    visitor = site.visitor(clock)
    entry.hold(visitor.screen, frames=3)
    entry.agent.verifier.update_config(device_config(side="exit", anti_passback_group="hq-lobby",
                                                     version=2))  # one reader per side
    clock.advance(30)
    assert [d.reason for d in entry.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]

    entry.agent.verifier.update_config(device_config(side="entry", anti_passback_group="hq-lobby",
                                                     version=3))
    clock.advance(30)
    assert [d.reason for d in entry.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]


def test_exit_reported_by_the_other_gate_clears_the_entry(
        start_gate: GateFactory, site: Site, clock: Clock) -> None:
    entry, exit_gate = start_gate(ENTRY), start_gate(EXIT, device="gate-2")
    visitor = site.visitor(clock, doors=("gate-1", "gate-2"))
    entry.hold(visitor.screen, frames=3)
    pass_id = site.last_claims.pass_id_hex
    clock.advance(600)
    assert [d.reason for d in exit_gate.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]
    clock.advance(600)
    # Before the server relays the exit, the entry gate still thinks the pass is inside.
    assert [d.reason for d in entry.hold(visitor.screen, frames=3)] == [Reason.REPLAYED]

    entry.agent.verifier.passback.apply(
        {"command": "passback", "entered": [], "exited": [[pass_id, clock.now - 1200]]})
    clock.advance(30)

    assert [d.reason for d in entry.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]


def test_a_gate_without_a_side_has_no_anti_passback(start_gate: GateFactory, site: Site,
                                                    clock: Clock) -> None:
    gate = start_gate(device_config())
    visitor = site.visitor(clock)
    gate.hold(visitor.screen, frames=3)
    clock.advance(60)

    assert [d.reason for d in gate.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]
