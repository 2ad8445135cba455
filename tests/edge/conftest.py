"""Fixtures for edge tests: a site, a settable clock, an offline lobby gate with mock pins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from officegate.edge.actuator import Actuator
from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import make_decoder
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.protocol.messages import Revocations

from .helpers import Clock, Gate, Site, device_config


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def edge_config(tmp_path: Path) -> EdgeConfig:
    return EdgeConfig(device="gate-1", site="hq", zone="lobby", mqtt_url=None,
                      data_dir=tmp_path / "edge", camera="sim")


@pytest.fixture
def gate(edge_config: EdgeConfig, site: Site, clock: Clock) -> Iterator[Gate]:
    """An offline gate that already knows the site's keys and its config."""
    board = SimBoard(edge_config.pins)
    camera = SimulatedCamera(seed=7)
    agent = EdgeAgent(edge_config, frames=camera, decoder=make_decoder("zxing"),
                      actuator=Actuator(edge_config.pins, pin_factory=board.factory),
                      link=None, clock=clock)
    agent.verifier.update_keys(site.keys)
    agent.verifier.update_config(device_config())
    agent.verifier.update_revocations(Revocations("hq", 1, ()))
    yield Gate(agent, camera, board, clock)
    agent.close()
    board.close()


