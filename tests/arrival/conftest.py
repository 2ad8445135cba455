"""Fixtures for arrival, notifications, check-in and on-site: a real server (TestClient with
lifespan) on the session's broker and database, local HTTP receivers for notifications."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.office import (
    PASSWORD,
    VISITOR_PHONE,
    as_visitor_phone,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)
from support.polling import poll
from support.receivers import Receiver, running_receiver

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import rotating_code
from officegate.server.app import create_app
from officegate.server.settings import Settings

__all__ = ["PASSWORD", "Receiver", "bearer"]  # the tests import these from here
# The office: Tokyo Station's Marunouchi side; the approach ring reaches 1 km out.
OFFICE = (35.681236, 139.767125)


@pytest.fixture(autouse=True)
def no_background_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests call hub.sweep(now) themselves; the background one would race them."""
    from officegate.server import runtime

    monkeypatch.setattr(runtime, "ARRIVAL_SWEEP_S", 3600.0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP receiver for notifications (apprise json://, a push service)."""
    with running_receiver() as rec:
        yield rec


@dataclass
class Office:
    site: str
    gate: str
    exit_gate: str
    admin: str = "admin@example.com"
    staff: str = "staff@example.com"
    host: str = "host@example.com"
    other_host: str = "host2@example.com"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return server_settings(tmp_path, database_url, f"a{secrets.token_hex(4)}")


@pytest.fixture
def office(settings: Settings) -> Office:
    suffix = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{suffix}", exit_gate=f"exit-{suffix}")
    build_office(settings, devices=[(o.gate, "gate", "lobby"), (o.exit_gate, "gate", "exit")])
    return o


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress
           ) -> Iterator[TestClient]:
    app = create_app(settings, broker=mqtt_broker)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c


def noon_zone() -> str:
    """A fixed-offset time zone where it is about noon now, so a visit starting in minutes is
    on the same local day whenever the suite runs (Etc/GMT signs are reversed)."""
    offset = 12 - datetime.now(UTC).hour  # -11 .. +12
    return "Etc/GMT" + (f"+{-offset}" if offset < 0 else f"-{offset}")


def configure(client: TestClient, office: Office, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80,
                            "approach_m": 1000, "checkin_zones": ["lobby"],
                            "exit_devices": [office.exit_gate], "timezone": noon_zone()}
    body.update(changes)
    r = client.put(f"/api/sites/{office.site}/arrival", json=body,
                   headers=bearer(client, office.staff))
    assert r.status_code == 200, r.text
    return dict(r.json())


@dataclass
class Phone:
    """The visitor's phone after opening the pass link."""

    token: str
    device_id: str
    opened: dict[str, Any]
    visit_id: int

    def code(self, at: float | None = None) -> str:
        secret = base64.b64decode(self.opened["code_secret"])
        return rotating_code(secret, time.time() if at is None else at)


def invite(client: TestClient, office: Office, *, name: str = "佐藤 花子 Hanako Sato",
           email: str = "hanako@example.org", starts_in: timedelta = timedelta(minutes=5),
           ) -> Phone:
    """The host invites; the visitor's phone opens the link."""
    start = datetime.now(UTC) + starts_in
    body = {"visitor_name": name, "visitor_email": email, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": ["lobby"],
            "doors": [], "room": "3F Sakura", "directions": "3F, left of the lift"}
    r = client.post("/api/visits", json=body, headers=bearer(client, office.host))
    assert r.status_code == 201, r.text
    token = r.json()["pass_url"].rsplit("/p/", 1)[1]
    device = VISITOR_PHONE  # the test client is this visitor's phone
    opened = client.post(f"/api/p/{token}/open", json={"device_id": device})
    assert opened.status_code == 200, opened.text
    return Phone(token, device, opened.json(), r.json()["visit_id"])


def at_distance(metres_north: float) -> tuple[float, float]:
    """A point ``metres_north`` of the office."""
    return OFFICE[0] + metres_north / 111_195.0, OFFICE[1]


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class OwnTracksApp:
    """The OwnTracks app on a phone in MQTT mode: publishes under ``topic``, keeps each cmd."""

    mqtt: Any  # a paho client
    topic: str
    cmds: list[Any] = field(default_factory=list)

    def send(self, payload: bytes | str, suffix: str = "") -> None:
        """Publish at QoS 1 to the phone's topic (``suffix`` "/event" for a transition)."""
        self.mqtt.publish(self.topic + suffix, payload, qos=1).wait_for_publish()

    def arrival_once_commanded(self, client: TestClient, token: str,
                               timeout: float) -> dict[str, Any]:
        """The pass's arrival state once arrived with a cmd at the phone (else the last one)."""
        last: dict[str, Any] = {}

        def done() -> bool:
            last.update(client.get(f"/api/p/{token}/arrival").json())
            return bool(last["arrived"] and self.cmds)

        poll(done, timeout)
        return last


@contextmanager
def owntracks_app(client: TestClient, broker: BrokerAddress, user: str) -> Iterator[OwnTracksApp]:
    """An OwnTracks app connected to the broker as ``user``, subscribed to its cmd topic, once
    the server's OwnTracks listener is connected too."""
    device = f"phone{uuid.uuid4().hex[:6]}"
    phone = make_client(client_id=f"ot-{device}", broker=broker, clean_session=True)
    app = OwnTracksApp(mqtt=phone, topic=f"owntracks/{user}/{device}")
    phone.on_message = lambda _c, _u, m: app.cmds.append(json.loads(m.payload))
    phone.connect(broker.host, broker.port, 30)
    phone.subscribe(f"{app.topic}/cmd", qos=1)
    phone.loop_start()
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    poll(lambda: hub.owntracks.stats["connected"], timeout=10)
    try:
        yield app
    finally:
        phone.loop_stop()
        phone.disconnect()


def location(lat: float, lon: float, *, acc: float = 10, tst: float | None = None,
             **extra: Any) -> bytes:
    """An OwnTracks location message, as the app sends it."""
    body = {"_type": "location", "lat": lat, "lon": lon, "acc": acc,
            "tst": int(tst if tst is not None else time.time()), "tid": "OG", **extra}
    return json.dumps(body).encode()
