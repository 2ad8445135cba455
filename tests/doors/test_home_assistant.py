"""Home Assistant MQTT discovery: every gate/door appears as a lock (and a door-alarm sensor);
Home Assistant's UNLOCK goes through the server's policy and log before the door opens."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fleet.conftest import Office, edge_link
from sqlalchemy import select
from support.polling import poll

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol.messages import DoorEvent
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import database_session, prepare
from officegate.server.bridge.home_assistant import command_topic
from officegate.server.bridge.service import SiteBridge
from officegate.server.devices import service as devices


class Watcher:
    """A Home Assistant stand-in: remembers the last payload of every topic it hears."""

    def __init__(self, broker: BrokerAddress, *patterns: str) -> None:
        self.seen: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.client = make_client(client_id=f"og-test-ha-{secrets.token_hex(4)}", broker=broker,
                                  clean_session=True)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port, 30)
        for pattern in patterns:
            self.client.subscribe(pattern, 1)
        self.client.loop_start()

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.seen[message.topic] = bytes(message.payload)

    def get(self, topic: str) -> bytes | None:
        with self._lock:
            return self.seen.get(topic)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def ha_bridge(office: Office, mqtt_broker: BrokerAddress) -> Iterator[SiteBridge]:
    engine, sessions = prepare(office.settings)
    bridge = SiteBridge(broker=mqtt_broker, sessions=sessions, site=office.site,
                        keyring=office.settings.keyring,
                        client_id=office.settings.mqtt_client_id,
                        home_assistant=f"ha-{office.site}")
    bridge.start()
    yield bridge
    bridge.stop()
    engine.dispose()


def _remote_unlocks(office: Office) -> list[str | None]:
    with database_session(office.settings) as db:
        return [a.by_user for a in db.scalars(select(Alert).where(Alert.kind == "remote_unlock"))]


def test_doors_are_discovered_and_unlock_goes_through_policy(
        office: Office, ha_bridge: SiteBridge, mqtt_broker: BrokerAddress,
        tmp_path: Path) -> None:
    prefix = f"ha-{office.site}"
    ha = Watcher(mqtt_broker, f"{prefix}/#", f"officegate/ha/{office.door}/#")
    unlocks: list[dict[str, Any]] = []
    door = edge_link(tmp_path, mqtt_broker, office.door, office.site)
    door.commands["unlock"] = unlocks.append
    door.start()
    try:
        config_topic = f"{prefix}/lock/officegate_{office.door}/config"
        assert poll(lambda: ha.get(config_topic) is not None)
        lock = json.loads(ha.get(config_topic) or b"{}")
        assert lock["command_topic"] == command_topic(office.door)
        assert lock["availability_topic"] == f"officegate/devices/{office.door}/status"
        assert ha.get(f"{prefix}/binary_sensor/officegate_{office.door}_door/config")
        assert poll(lambda: ha.get(lock["state_topic"]) == b"LOCKED")
        assert door.wait_connected(15)  # subscribed to its cmd topic

        ha.client.publish(command_topic(office.door), "UNLOCK", qos=1)

        assert poll(lambda: len(unlocks) == 1)
        assert _remote_unlocks(office) == ["homeassistant"]  # logged before the door opened

        with database_session(office.settings) as db:  # staff lock the site down
            devices.set_mode(db=db, name=office.door, mode="locked")
        ha.client.publish(command_topic(office.door), "OPEN", qos=1)
        assert ha_bridge.home_assistant is not None
        assert poll(lambda: ha_bridge.home_assistant.refused == 1)
        assert len(unlocks) == 1 and _remote_unlocks(office) == ["homeassistant"]
        # LOCKED again once the first pulse is over (its own timer; slow on a loaded machine).
        assert poll(lambda: ha.get(lock["state_topic"]) == b"LOCKED")

        forced = DoorEvent.new(device=office.door, site=office.site, at=time.time(),
                               kind="door_forced_open", detail="opened without an unlock")
        door.outbox.put(forced)
        door.wake()
        alarm = f"officegate/ha/{office.door}/door_alarm"
        assert poll(lambda: ha.get(alarm) == b"ON")
    finally:
        door.stop()
        ha.close()
