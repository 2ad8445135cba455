"""The edge over a real broker: retained keys/revocations/config change decisions; events,
availability and commands flow."""

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

from .helpers import Clock, Site, device_config


class Server:
    """A stand-in for the server's MQTT bridge: publishes retained documents, hears events."""

    def __init__(self, broker: BrokerAddress, device: str, prefix: str) -> None:
        self.events: list[dict] = []
        self.status: list[bytes] = []
        self.client = make_client(client_id=f"server-{prefix}", broker=broker, clean_session=True)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.events_topic = topics.device_events(device)
        self.status_topic = topics.device_status(device)
        for topic in (self.events_topic, self.status_topic):
            self.client.subscribe(topic, qos=1)
        self.retained: set[str] = set()

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.events_topic:
            self.events.append(json.loads(message.payload))
        elif message.payload:
            self.status.append(bytes(message.payload))

    def publish(self, topic: str, payload: bytes, *, retain: bool = True) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)
        if retain:
            self.retained.add(topic)

    def close(self) -> None:
        for topic in self.retained | {self.status_topic}:  # leave a shared broker clean
            self.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()


def scan(agent: EdgeAgent, camera: SimulatedCamera, screen: object, clock: Clock) -> list:
    camera.show(screen)  # type: ignore[arg-type]
    decisions = []
    for _ in range(8):
        decisions += agent.step(camera.read())  # type: ignore[arg-type]
        clock.advance(0.1)
    clock.advance(10)
    return decisions


def test_retained_documents_drive_decisions_and_events_reach_the_server(
    tmp_path: Path, mqtt_broker: BrokerAddress, topic_prefix: str, clock: Clock
) -> None:
    device, site_name = f"gate-{topic_prefix}", f"hq-{topic_prefix}"
    site = Site(site=site_name)
    server = Server(mqtt_broker, device, topic_prefix)
    server.publish(topics.site_keys(site_name), site.keys.to_json())
    server.publish(topics.device_config(device),
                   device_config(device, site_name, zone="lobby", relay_pulse_ms=900).to_json())
    server.publish(topics.site_revocations(site_name), Revocations(site_name, 1, ()).to_json())

    cfg = EdgeConfig(device=device, site=site_name, camera="sim", data_dir=tmp_path / "edge",
                     mqtt_url=mqtt_broker.url(with_password=True))
    board = SimBoard(cfg.pins)
    camera = SimulatedCamera(seed=4)
    agent = EdgeAgent.from_config(cfg, frames=camera, pin_factory=board.factory, clock=clock)
    agent.start()
    try:
        verifier = agent.verifier
        assert poll(lambda: verifier.revocations is not None and verifier.keys.version == 1
                          and verifier.relay_pulse_ms == 900), "retained documents never came"
        assert poll(lambda: b"online" in server.status)

        visitor = site.visitor(clock)
        assert [d.reason for d in scan(agent, camera, visitor.screen, clock)] == [Reason.ACCEPTED]
        assert poll(lambda: len(server.events) == 1 and len(agent.outbox) == 0)
        assert server.events[0]["reason"] == "accepted"
        assert server.events[0]["pass_id"] == site.last_claims.pass_id_hex  # type: ignore[union-attr]

        # Staff revoke the pass: the next scan is denied, and the cache remembers.
        revoked = Revocations(site_name, 2, (site.last_claims.pass_id_hex,))  # type: ignore[union-attr]
        server.publish(topics.site_revocations(site_name), revoked.to_json())
        assert poll(lambda: verifier.revocations is not None
                          and verifier.revocations.version == 2)
        assert [d.reason for d in scan(agent, camera, visitor.screen, clock)] == [Reason.REVOKED]
        cached = EdgeCache(tmp_path / "edge" / "cache").load_revocations()
        assert cached is not None and cached.version == 2

        # Junk on a document topic is ignored; the gate keeps what it had.
        server.publish(topics.site_keys(site_name), b"{not json", retain=False)
        server.publish(topics.device_cmd(device), b'{"command": "selfdestruct"}', retain=False)
        # A remote unlock from reception opens the gate (again, once the first pulse ended).
        assert poll(lambda: not board.relay_on)
        server.publish(topics.device_cmd(device), b'{"command": "unlock"}', retain=False)
        assert poll(lambda: board.relay_energised() == 2)
        assert verifier.keys.version == 1

        assert poll(lambda: len(server.events) == 2)
        assert [e["reason"] for e in server.events] == ["accepted", "revoked"]
    finally:
        agent.close()
        board.close()
    assert poll(lambda: server.status[-1:] == [b"offline"])
    server.close()
