"""Device security against a real Mosquitto loading the files `officegate broker-config`
generates: a device cannot speak for another, a revoked device cannot even connect."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from support.mqtt import connect_answer

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import Reason, topics
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.server.access.models import AccessEventRecord
from officegate.server.bootstrap import prepare
from officegate.server.bridge.service import SiteBridge
from officegate.server.db import session_scope
from officegate.server.devices import service as devices
from officegate.server.provisioning import service as provisioning
from officegate.server.settings import Settings

from .mosquitto import Mosquitto

SERVER_PASSWORD = "server-secret-for-this-test"


class Fleet:
    """A database with two provisioned gates, and the broker loading generated files."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.settings = Settings(data_dir=tmp_path / "server", database_url=database_url,
                                 site="acl")
        self.engine: Engine
        self.engine, self.sessions = prepare(self.settings)
        self.passwords: dict[str, str] = {}
        with session_scope(self.sessions) as db:
            for name in ("gate-a", "gate-b"):
                device = devices.create_device(db=db, name=name, kind="gate", zone="lobby",
                                               site="acl")
                self.passwords[name] = provisioning.issue_credential(db=db, device=device)
        self.conf_dir = tmp_path / "broker-config"
        self.write_files()
        self.broker = Mosquitto(tmp_path / "broker", auth="\n".join([
            "allow_anonymous false", f"password_file {self.conf_dir / 'passwd'}",
            f"acl_file {self.conf_dir / 'acl'}"])).start()

    def write_files(self) -> None:
        with session_scope(self.sessions) as db:
            files = provisioning.broker_files(db=db, server_user="officegate-server",
                                              server_password=SERVER_PASSWORD)
        provisioning.write_broker_files(files, self.conf_dir)

    def address(self, user: str, password: str) -> BrokerAddress:
        return BrokerAddress(host="127.0.0.1", port=self.broker.port, username=user,
                             password=password)

    def stored(self, event_id: str) -> bool:
        with Session(self.engine) as db:
            return db.scalar(select(AccessEventRecord.id)
                             .where(AccessEventRecord.id == event_id)) is not None


@pytest.fixture
def fleet(tmp_path: Path, database_url: str) -> Iterator[Fleet]:
    f = Fleet(tmp_path, database_url)
    yield f
    f.broker.stop()
    f.engine.dispose()


def _connect(address: BrokerAddress, client_id: str) -> tuple[mqtt.Client, str]:
    """Connect and return (client, the broker's answer as text)."""
    return connect_answer(address, client_id)  # type: ignore[no-any-return]


def _event(device: str) -> AccessEvent:
    return AccessEvent(id=new_event_id(), device=device, site="acl", at=time.time(),
                       reason=Reason.ACCEPTED.value, pass_id=None, visit_id=None, subject=None,
                       kid=None, latency_ms=None, detail="")


def _wait(condition: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_device_cannot_publish_as_another(fleet: Fleet) -> None:
    bridge = SiteBridge(broker=fleet.address("officegate-server", SERVER_PASSWORD),
                        sessions=fleet.sessions, site="acl", keyring=fleet.settings.keyring)
    bridge.start()
    assert bridge.connected.is_set(), fleet.broker.log_text()
    gate_a, answer = _connect(fleet.address("gate-a", fleet.passwords["gate-a"]), "gate-a")
    try:
        assert answer == "Success"
        forged = _event("gate-b")  # gate-a pretending to be gate-b, on gate-b's topic
        gate_a.publish(topics.device_events("gate-b"), forged.to_json(), qos=1)
        own = _event("gate-a")  # then a real event: same connection, so it arrives after
        gate_a.publish(topics.device_events("gate-a"), own.to_json(), qos=1)
        assert _wait(lambda: fleet.stored(own.id)), "gate-a's own event never arrived"
        assert not fleet.stored(forged.id)  # the broker dropped it; the server never saw it
        assert bridge.stats["stored"] == 1
    finally:
        gate_a.loop_stop()
        gate_a.disconnect()
        bridge.stop()


def test_wrong_password_and_revoked_device_are_refused(fleet: Fleet) -> None:
    client, answer = _connect(fleet.address("gate-b", "guessed-password"), "gate-b")
    client.loop_stop()
    assert answer == "Not authorized"
    client, answer = _connect(fleet.address("gate-b", fleet.passwords["gate-b"]), "gate-b")
    client.loop_stop()
    client.disconnect()
    assert answer == "Success"  # the generated hash is one Mosquitto accepts

    with session_scope(fleet.sessions) as db:
        provisioning.revoke_credentials(db=db, device=devices.get_device(db=db, name="gate-b"))
    fleet.write_files()
    fleet.broker.reload()

    def refused() -> bool:
        c, a = _connect(fleet.address("gate-b", fleet.passwords["gate-b"]), "gate-b")
        c.loop_stop()
        c.disconnect()
        return a == "Not authorized"

    assert _wait(refused, timeout=10)
    client, answer = _connect(fleet.address("gate-a", fleet.passwords["gate-a"]), "gate-a")
    client.loop_stop()
    client.disconnect()
    assert answer == "Success"  # revoking one device leaves the others alone


HA_PASSWORD = "home-assistant-secret-for-this-test"


class Listener:
    """A client that remembers every (topic, payload) it hears on ``patterns``.

    Mosquitto may drop a client that publishes where its ACL forbids; a persistent session
    keeps its subscriptions and queues what it missed while paho reconnects."""

    def __init__(self, address: BrokerAddress, client_id: str, *patterns: str) -> None:
        self.heard: list[tuple[str, bytes]] = []
        self.answers: list[str] = []
        self.connected = threading.Event()
        self.client = make_client(client_id=client_id, broker=address, clean_session=False)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self._patterns = patterns
        self.client.connect(address.host, address.port, 30)
        self.client.loop_start()
        self.connected.wait(10)

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, reason: object,
                    _p: object) -> None:
        self.answers.append(str(reason))
        for pattern in self._patterns:
            client.subscribe(pattern, 1)
        self.connected.set()

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        self.heard.append((message.topic, bytes(message.payload)))

    def unlocks(self) -> int:
        return sum(b"unlock" in p for _t, p in self.heard)

    def topics(self) -> set[str]:
        return {t for t, _p in self.heard}

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_home_assistant_has_its_own_login_and_only_its_own_topics(fleet: Fleet) -> None:
    with session_scope(fleet.sessions) as db:
        files = provisioning.broker_files(
            db=db, server_user="officegate-server", server_password=SERVER_PASSWORD,
            home_assistant_prefix="homeassistant", home_assistant_user="home-assistant",
            home_assistant_password=HA_PASSWORD)
    provisioning.write_broker_files(files, fleet.conf_dir)
    fleet.broker.reload()
    lock_config = "homeassistant/lock/officegate_gate-a/config"

    # Home Assistant logs in with its own password and hears the discovery the server sends.
    ha = Listener(fleet.address("home-assistant", HA_PASSWORD), "ha", "homeassistant/#")
    door = Listener(fleet.address("gate-a", fleet.passwords["gate-a"]), "gate-a",
                    topics.device_cmd("gate-a"))
    bridge = SiteBridge(broker=fleet.address("officegate-server", SERVER_PASSWORD),
                        sessions=fleet.sessions, site="acl", keyring=fleet.settings.keyring,
                        home_assistant="homeassistant")
    bridge.start()
    try:
        assert ha.answers[:1] == ["Success"] and door.answers[:1] == ["Success"]
        assert _wait(lambda: lock_config in ha.topics()), fleet.broker.log_text()
        # HA's command goes through the server, which logs it and then tells the door.
        ha.client.publish("officegate/ha/gate-a/set", b"UNLOCK", qos=1)
        assert _wait(lambda: door.unlocks() == 1)

        # A door may not announce itself to Home Assistant; HA may not command a door directly.
        door.client.publish("homeassistant/lock/officegate_fake/config", b"{}", qos=1)
        ha.client.publish(topics.device_cmd("gate-a"), b'{"command": "unlock", "forged": 1}',
                          qos=1)
        ha.client.publish("officegate/ha/gate-a/set", b"UNLOCK", qos=1)
        assert _wait(lambda: door.unlocks() == 2)  # sent after the forged ones: they are behind
        assert not any(b"forged" in p for _t, p in door.heard)
        assert "homeassistant/lock/officegate_fake/config" not in ha.topics()
    finally:
        bridge.stop()
        ha.close()
        door.close()


def test_home_assistant_login_needs_a_password_of_its_own(fleet: Fleet) -> None:
    from officegate.server.errors import InvalidInput

    with session_scope(fleet.sessions) as db, pytest.raises(InvalidInput):
        provisioning.broker_files(db=db, server_user="officegate-server",
                                  server_password=SERVER_PASSWORD,
                                  home_assistant_user="home-assistant",
                                  home_assistant_password=None)
