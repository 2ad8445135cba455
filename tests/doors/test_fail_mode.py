"""Fail-safe and fail-secure doors on network loss: both keep deciding offline from their
cache (power loss is the lock's wiring, docs/pi-wiring.md); the mode travels with the config."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from edge.helpers import Clock, Gate, Site, device_config

from officegate.edge.agent import EdgeAgent
from officegate.edge.cache import EdgeCache
from officegate.edge.config import EdgeConfig
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.protocol import Reason
from officegate.protocol.messages import Revocations


@pytest.mark.parametrize("fail_mode", ["safe", "secure"])
def test_door_keeps_deciding_with_the_broker_unreachable(
        tmp_path: Path, site: Site, clock: Clock, fail_mode: str,
        caplog: pytest.LogCaptureFixture) -> None:
    config = EdgeConfig(device="door-7", site="hq", kind="door", zone="lobby",
                        mqtt_url="mqtt://127.0.0.1:9",  # nothing listens: the network is down
                        data_dir=tmp_path / "door", camera="sim")
    cache = EdgeCache(config.data_dir / "cache")
    cache.save_keys(site.keys)
    cache.save_revocations(Revocations("hq", 1, ()))
    cache.save_config(device_config(device="door-7", kind="door", fail_mode=fail_mode))
    board, camera = SimBoard(config.pins), SimulatedCamera(seed=3)
    agent = EdgeAgent.from_config(config, frames=camera, pin_factory=board.factory, clock=clock)
    door = Gate(agent, camera, board, clock)
    with caplog.at_level(logging.INFO, logger="officegate.edge.agent"):
        agent.start()
    try:
        assert agent.verifier.config is not None and agent.verifier.config.fail_mode == fail_mode
        assert f"fail-{fail_mode} door" in caplog.text
        visitor = site.visitor(clock, doors=("door-7",))
        assert [d.reason for d in door.hold(visitor.screen, frames=3)] == [Reason.ACCEPTED]
        clock.advance(30)
        stranger = Site().visitor(clock, doors=("door-7",))
        assert [d.reason for d in door.hold(stranger.screen, frames=3)] == [Reason.UNKNOWN_KEY]
        assert board.relay_energised() == 1
        assert [e["reason"] for e in door.events()] == ["accepted", "unknown_key"]
    finally:
        agent.close()
        board.close()
