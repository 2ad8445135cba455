"""No network at the gate: decide from the on-disk cache; events wait and go out later."""

from __future__ import annotations

import json
from pathlib import Path

import paho.mqtt.client as mqtt
from support.polling import poll

from officegate.edge.agent import EdgeAgent
from officegate.edge.cache import EdgeCache
from officegate.edge.config import EdgeConfig
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.mqtt.client import BrokerAddress, make_client
from officegate.protocol import Reason, topics
from officegate.protocol.messages import Revocations
from officegate.server.broker import EmbeddedBroker, free_port

from .helpers import Clock, Site, device_config


def prime_cache(data_dir: Path, site: Site, revoked: tuple[str, ...] = ()) -> None:
    """What an earlier run of the edge left on disk after hearing from the server."""
    cache = EdgeCache(data_dir / "cache")
    cache.save_keys(site.keys)
    cache.save_revocations(Revocations("hq", 3, revoked))
    cache.save_config(device_config(relay_pulse_ms=800))


def scan(agent: EdgeAgent, camera: SimulatedCamera, screen: object, clock: Clock) -> list:
    camera.show(screen)  # type: ignore[arg-type]
    decisions = []
    for _ in range(10):
        decisions += agent.step(camera.read())  # type: ignore[arg-type]
        clock.advance(0.1)
    clock.advance(10)
    return decisions


def test_edge_starts_from_cache_with_no_broker_and_decides(tmp_path: Path, site: Site,
                                                           clock: Clock) -> None:
    data_dir = tmp_path / "edge"
    revoked_visitor = site.visitor(clock)
    prime_cache(data_dir, site, revoked=(site.last_claims.pass_id_hex,))  # type: ignore[union-attr]
    welcome = site.visitor(clock)
    # A broker address where nothing listens: the gate must not care.
    cfg = EdgeConfig(device="gate-1", site="hq", camera="sim", data_dir=data_dir,
                     mqtt_url=f"mqtt://127.0.0.1:{free_port()}")
    board = SimBoard(cfg.pins)
    camera = SimulatedCamera(seed=1)
    agent = EdgeAgent.from_config(cfg, frames=camera, pin_factory=board.factory, clock=clock)
    agent.start()
    try:
        assert agent.verifier.relay_pulse_ms == 800  # the cached device config is in force
        assert [d.reason for d in scan(agent, camera, welcome.screen, clock)] == [Reason.ACCEPTED]
        assert [d.reason for d in scan(agent, camera, revoked_visitor.screen, clock)] == [
            Reason.REVOKED]
        assert len(board.relay_openings()) == 1
        assert agent.link is not None and not agent.link.connected.is_set()
        assert [json.loads(p.payload)["reason"] for p in agent.outbox.pending()] == [
            "accepted", "revoked"]
    finally:
        agent.close()
        board.close()


def test_waiting_events_are_delivered_when_the_broker_appears(tmp_path: Path, site: Site,
                                                              clock: Clock) -> None:
    data_dir = tmp_path / "edge"
    prime_cache(data_dir, site)
    port, password = free_port(), "lobby-test-password"
    cfg = EdgeConfig(device="gate-1", site="hq", camera="sim", data_dir=data_dir,
                     mqtt_url=f"mqtt://officegate:{password}@127.0.0.1:{port}")
    board = SimBoard(cfg.pins)
    camera = SimulatedCamera(seed=2)
    agent = EdgeAgent.from_config(cfg, frames=camera, pin_factory=board.factory, clock=clock)
    agent.start()
    broker = EmbeddedBroker(port=port, password=password)
    try:
        for _ in range(3):
            scan(agent, camera, site.visitor(clock).screen, clock)
        waiting = [p.id for p in agent.outbox.pending()]
        assert len(waiting) == 3

        address = broker.start()  # the network comes back
        assert agent.link is not None and agent.link.wait_connected(40)
        assert poll(lambda: len(agent.outbox) == 0, timeout=20), "outbox never drained"
        assert _retained(address, topics.device_status("gate-1")) == b"online"
    finally:
        agent.close()
        board.close()
        broker.stop()


def _retained(address: BrokerAddress, topic: str) -> bytes | None:
    got: list[bytes] = []
    client = make_client(client_id=f"checker-{free_port()}", broker=address, clean_session=True)

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        got.append(bytes(message.payload))

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        poll(lambda: bool(got), timeout=5)
    finally:
        client.disconnect()
        client.loop_stop()
    return got[0] if got else None


def test_corrupt_cache_is_set_aside_and_the_gate_fails_closed(tmp_path: Path, site: Site,
                                                              clock: Clock) -> None:
    data_dir = tmp_path / "edge"
    prime_cache(data_dir, site)
    (data_dir / "cache" / "keys.json").write_bytes(b'{"site": "hq", "ver')  # torn by a bug
    cfg = EdgeConfig(device="gate-1", site="hq", camera="sim", data_dir=data_dir, mqtt_url=None)
    board = SimBoard(cfg.pins)
    camera = SimulatedCamera(seed=3)
    agent = EdgeAgent.from_config(cfg, frames=camera, pin_factory=board.factory, clock=clock)
    try:
        decisions = scan(agent, camera, site.visitor(clock).screen, clock)
        assert [d.reason for d in decisions] == [Reason.UNKNOWN_KEY]
        assert board.relay_openings() == []
        assert (data_dir / "cache" / "keys.json.corrupt").exists()
    finally:
        agent.close()
        board.close()


def test_run_reads_the_camera_until_it_ends(tmp_path: Path, site: Site, clock: Clock) -> None:
    data_dir = tmp_path / "edge"
    prime_cache(data_dir, site)
    cfg = EdgeConfig(device="gate-1", site="hq", camera="sim", data_dir=data_dir, mqtt_url=None)
    board = SimBoard(cfg.pins)
    camera = SimulatedCamera(site.visitor(clock).screen, seed=8, max_frames=15)
    agent = EdgeAgent.from_config(cfg, frames=camera, pin_factory=board.factory, clock=clock)
    try:
        agent.run()  # returns when the camera gives no more frames
        assert len(board.relay_openings()) == 1
        assert len(agent.outbox) == 1
    finally:
        agent.close()
        board.close()
