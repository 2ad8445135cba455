"""A room door with a contact and an exit button: the alarms a guard expects, and none
that would cry wolf (a door opened after a valid pass or the exit button is not forced)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.polling import poll

from officegate.edge.actuator import Actuator
from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig, Pins
from officegate.edge.decoders import make_decoder
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.protocol.messages import Revocations

from .helpers import Clock, Gate, Site, device_config

PINS = Pins(door_contact=5, exit_button=6)


@pytest.fixture
def door(tmp_path: Path, site: Site, clock: Clock) -> Iterator[Gate]:
    config = EdgeConfig(device="gate-1", site="hq", zone="lobby", mqtt_url=None,
                        data_dir=tmp_path / "edge", camera="sim", pins=PINS,
                        held_open_seconds=0.3)
    board = SimBoard(PINS)
    agent = EdgeAgent(config, frames=SimulatedCamera(seed=3), decoder=make_decoder("zxing"),
                      actuator=Actuator(PINS, pin_factory=board.factory), clock=clock,
                      pin_factory=board.factory)
    agent.verifier.update_keys(site.keys)
    agent.verifier.update_config(device_config())
    agent.verifier.update_revocations(Revocations("hq", 1, ()))
    board.close_door()  # the contact's pull-up reads "open" until the door is shut
    gate = Gate(agent, agent.frames, board, clock)  # type: ignore[arg-type]
    yield gate
    agent.close()
    board.close()


def _kinds(gate: Gate) -> list[str]:
    return [json.loads(e.payload)["kind"] for e in gate.agent.outbox.pending(1000)]


def test_door_opened_without_unlock_is_forced_open(door: Gate) -> None:
    door.board.open_door()
    assert _kinds(door) == ["door_forced_open"]
    assert door.board.red_on and not door.board.relay_on
    door.board.close_door()
    assert _kinds(door) == ["door_forced_open", "door_closed"]


def test_door_opened_after_a_valid_pass_is_not_forced_but_may_be_held(door: Gate,
                                                                      site: Site) -> None:
    visitor = site.visitor(door.clock)
    assert [d.accepted for d in door.hold(visitor.screen, frames=3)] == [True]
    door.board.open_door()
    assert _kinds(door) == ["access"]
    assert poll(lambda: "door_held_open" in _kinds(door), timeout=10)
    door.board.close_door()
    assert _kinds(door) == ["access", "door_held_open", "door_closed"]


def test_door_closed_in_time_raises_nothing(door: Gate) -> None:
    door.board.press_exit()
    door.board.open_door()
    door.board.close_door()
    assert _kinds(door) == ["exit"]


def test_exit_button_opens_the_door_and_is_logged(door: Gate) -> None:
    door.board.press_exit()
    assert door.board.relay_energised() == 1  # from the board's log: the pulse may be over
    events = [json.loads(e.payload) for e in door.agent.outbox.pending(10)]
    assert [(e["kind"], e["reason"]) for e in events] == [("exit", "accepted")]
    assert events[0]["pass_id"] is None


def test_emergency_unlock_holds_the_door_open_without_alarms(door: Gate) -> None:
    door.agent.verifier.update_config(device_config(mode="unlocked", version=2))
    door.hold(None, frames=1)  # the agent applies the mode with the next frame
    assert door.board.relay_on
    door.board.open_door()
    assert _kinds(door) == []
    door.agent.verifier.update_config(device_config(mode="normal", version=3))
    door.hold(None, frames=1)
    assert not door.board.relay_on
