"""Several servers splitting the device event stream (OFFICEGATE_MQTT_SHARE_GROUP), against a
real Mosquitto: every event stored exactly once, both servers doing part of the work, and a
server stopped mid-stream handing its share to the other with nothing lost.

Each "server" here is a real SiteBridge with its own database engine and client id, and a
real DeviceEventsSubscriber stands in for the room listener (another purpose, own group).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import Reason, topics
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.server.access.models import AccessEventRecord
from officegate.server.app import create_app
from officegate.server.bootstrap import prepare
from officegate.server.bridge.service import SiteBridge
from officegate.server.bridge.sharing import client_id_for
from officegate.server.bridge.subscriber import DeviceEventsSubscriber
from officegate.server.keys.vault import make_kek
from officegate.server.settings import Settings

from .mosquitto import Mosquitto

SITE = "hq"
GROUP = "og-test"
DEVICES = [f"gate-{n}" for n in range(4)]


class Server:
    """One server's event-following parts: its bridge and a "rooms" subscriber."""

    def __init__(self, settings: Settings, broker: BrokerAddress) -> None:
        self.engine, sessions = prepare(settings)  # own engine, like a separate process
        self.client_id = client_id_for(settings)
        self.bridge = SiteBridge(broker=broker, sessions=sessions, site=SITE,
                                 keyring=settings.keyring, client_id=self.client_id,
                                 share_group=settings.mqtt_share_group)
        self.rooms = Recorder(broker=broker, client_id=f"{self.client_id}-rooms",
                              share_group=settings.mqtt_share_group, purpose="rooms")

    def start(self) -> None:
        self.bridge.start()
        self.rooms.start(wait=10)
        assert self.bridge.connected.is_set() and self.rooms.connected.is_set()

    def stop(self) -> None:
        self.bridge.stop()
        self.rooms.stop()
        self.engine.dispose()


class Recorder(DeviceEventsSubscriber):
    """Notes the id of every event it is given."""

    label = "recorder"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ids: list[str] = []

    def handle(self, topic: str, payload: bytes) -> bool:
        self.ids.append(AccessEvent.from_json(payload).id)
        return True


class Devices:
    """Gates publishing events (QoS 1) in a background thread, round robin."""

    def __init__(self, broker: BrokerAddress, count: int, pause: float) -> None:
        self.clients = {}
        for name in DEVICES:
            client = make_client(client_id=f"{name}-{secrets.token_hex(3)}", broker=broker,
                                 clean_session=True)
            client.connect(broker.host, broker.port, 30)
            client.loop_start()
            self.clients[name] = client
        self.ids: list[str] = []
        self.sent = 0
        self._count, self._pause = count, pause
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        infos = []
        for n in range(self._count):
            name = DEVICES[n % len(DEVICES)]
            event = AccessEvent(id=new_event_id(), device=name, site=SITE, at=time.time(),
                                reason=Reason.ACCEPTED.value, pass_id=secrets.token_hex(8),
                                visit_id=None, subject="v" + secrets.token_hex(4), kid=None,
                                latency_ms=7.5, detail="")
            self.ids.append(event.id)
            infos.append(self.clients[name].publish(topics.device_events(name),
                                                    event.to_json(), qos=1))
            self.sent += 1
            if self._pause:
                time.sleep(self._pause)
        for info in infos:
            info.wait_for_publish(60)

    def start(self) -> Devices:
        self._thread.start()
        return self

    def finish(self) -> None:
        self._thread.join(120)
        assert not self._thread.is_alive(), "the devices could not publish their events"
        for client in self.clients.values():
            client.disconnect()
            client.loop_stop()


KEK = make_kek()  # every server of a site shares one key-encryption key


def _settings(tmp_path: Path, name: str, database_url: str, broker: Mosquitto) -> Settings:
    return Settings(data_dir=tmp_path / name, database_url=database_url, site=SITE,
                    mqtt_url=broker.url, mqtt_share_group=GROUP,
                    key_encryption_key=KEK)  # type: ignore[arg-type]


def _stored(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as db:
        return list(db.scalars(select(AccessEventRecord.id)
                               .where(AccessEventRecord.device.in_(DEVICES))))


def _wait_stored(server: Server, count: int, timeout: float = 60.0) -> list[str]:
    sessions = sessionmaker(server.engine)
    deadline = time.monotonic() + timeout
    while True:
        ids = _stored(sessions)
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


@pytest.fixture
def servers(tmp_path: Path, database_url: str, broker: Mosquitto) -> Iterator[list[Server]]:
    address = BrokerAddress(host="127.0.0.1", port=broker.port)
    both = [Server(_settings(tmp_path, name, database_url, broker), address)
            for name in ("server-a", "server-b")]
    yield both
    for server in both:
        server.stop()


def test_two_servers_split_the_events_and_store_each_once(servers: list[Server]) -> None:
    a, b = servers
    assert a.client_id != b.client_id  # default settings, distinct ids: no kicking each other
    a.start()
    b.start()
    devices = Devices(a.bridge.broker, count=800, pause=0).start()
    devices.finish()
    stored = _wait_stored(a, len(devices.ids))
    print(f"\n[shared] events={len(devices.ids)} stored={len(stored)} "
          f"by a={a.bridge.stats['stored']} by b={b.bridge.stats['stored']} "
          f"rooms a={len(a.rooms.ids)} rooms b={len(b.rooms.ids)}")
    assert sorted(stored) == sorted(devices.ids)  # every event, none twice
    # The broker split the stream: each bridge stored part, no event went to both.
    assert a.bridge.stats["stored"] > 0 and b.bridge.stats["stored"] > 0
    assert a.bridge.stats["stored"] + b.bridge.stats["stored"] == len(devices.ids)
    assert a.bridge.stats["duplicate"] == b.bridge.stats["duplicate"] == 0
    # Another purpose (rooms) has its own group: it too sees every event exactly once.
    deadline = time.monotonic() + 30
    while len(a.rooms.ids) + len(b.rooms.ids) < len(devices.ids) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    seen = Counter(a.rooms.ids + b.rooms.ids)
    assert set(seen) == set(devices.ids) and max(seen.values()) == 1
    assert a.rooms.ids and b.rooms.ids


def test_a_server_stopped_mid_stream_hands_its_share_to_the_other(
        servers: list[Server]) -> None:
    a, b = servers
    a.start()
    b.start()
    devices = Devices(a.bridge.broker, count=600, pause=0.004).start()
    deadline = time.monotonic() + 60
    while devices.sent < 200 or a.bridge.stats["stored"] == 0:
        assert time.monotonic() < deadline, "no events reached server a"
        time.sleep(0.02)
    sent_before_stop = devices.sent
    a.bridge.stop()  # a clean stop in the middle of the stream
    a.rooms.stop()
    by_a = a.bridge.stats["stored"]
    devices.finish()
    stored = _wait_stored(b, len(devices.ids))
    print(f"\n[shared, a stopped after {sent_before_stop} sent] events={len(devices.ids)} "
          f"stored={len(stored)} by a={by_a} by b={b.bridge.stats['stored']}")
    assert sent_before_stop < len(devices.ids)  # the stop really came mid-stream
    missing = set(devices.ids) - set(stored)
    assert not missing, f"{len(missing)} events lost (left queued for the stopped server?)"
    assert sorted(stored) == sorted(devices.ids)
    assert a.bridge.stats["stored"] == by_a  # a stored nothing after its stop
    assert by_a + b.bridge.stats["stored"] == len(devices.ids)  # b took all the rest
    assert b.bridge.stats["stored"] > 0
    # The rooms purpose, too, lost nothing: b's listener took what a's no longer got.
    deadline = time.monotonic() + 30
    while len(set(a.rooms.ids + b.rooms.ids)) < len(devices.ids) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(a.rooms.ids + b.rooms.ids) == set(devices.ids)


def test_client_ids_are_distinct_per_server_and_kept_across_restarts(tmp_path: Path) -> None:
    def settings(name: str, **extra: object) -> Settings:
        return Settings(data_dir=tmp_path / name, site=SITE, **extra)  # type: ignore[arg-type]

    first = client_id_for(settings("one", mqtt_share_group=GROUP))
    assert first == client_id_for(settings("one", mqtt_share_group=GROUP))  # same session
    assert first != client_id_for(settings("two", mqtt_share_group=GROUP))
    assert first.startswith(f"officegate-server-{SITE}-") and len(first) <= 55
    # Without a share group, and with a configured id, nothing changes.
    assert client_id_for(settings("three")) == f"officegate-server-{SITE}"
    assert client_id_for(settings("four", mqtt_share_group=GROUP,
                                  mqtt_client_id="gate-room-server")) == "gate-room-server"


def test_share_group_refused_with_the_embedded_broker(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "server", site=SITE, mqtt_share_group=GROUP)
    with pytest.raises(ValueError, match="shared subscriptions.*OFFICEGATE_MQTT_URL"):
        create_app(settings)
