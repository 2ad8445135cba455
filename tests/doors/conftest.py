"""Door-rule fixtures: a site key, a settable clock, and offline gates on mock boards that can
be restarted on the same data directory (what a power cut or a service restart does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from edge.helpers import Clock, Gate, Site

from officegate.edge.actuator import Actuator
from officegate.edge.agent import EdgeAgent, build_verifier
from officegate.edge.cache import EdgeCache
from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import make_decoder
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.protocol.messages import DeviceConfig, Revocations

GateFactory = Callable[..., Gate]


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def start_gate(tmp_path: Path, site: Site, clock: Clock) -> Iterator[GateFactory]:
    """Start (or restart) an offline gate whose cache holds the site's keys and ``config``.

    Everything it knows comes from its data directory, as after a reboot with no network.
    """
    running: list[tuple[EdgeAgent, SimBoard]] = []

    def start(config: DeviceConfig | None = None, device: str = "gate-1") -> Gate:
        edge = EdgeConfig(device=device, site="hq", zone="lobby", mqtt_url=None,
                          data_dir=tmp_path / device, camera="sim")
        cache = EdgeCache(edge.data_dir / "cache")
        if cache.load_keys() is None:
            cache.save_keys(site.keys)
            cache.save_revocations(Revocations("hq", 1, ()))
        if config is not None:
            cache.save_config(config)
        board = SimBoard(edge.pins)
        camera = SimulatedCamera(seed=7)
        agent = EdgeAgent(edge, frames=camera, decoder=make_decoder("zxing"),
                          actuator=Actuator(edge.pins, pin_factory=board.factory),
                          link=None, clock=clock, verifier=build_verifier(edge, cache),
                          cache=cache)
        running.append((agent, board))
        return Gate(agent, camera, board, clock)

    yield start
    for agent, board in running:
        agent.close()
        board.close()


# The fleet's server fixtures (a site with a gate and a door, staff and host users, the app
# with its MQTT bridge on the test broker), shared rather than copied.
from fleet.conftest import cheap_argon2, client, office  # noqa: E402,F401
