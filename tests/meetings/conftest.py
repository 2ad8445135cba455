"""Fixtures for meetings and occupancy: a real server on the session's broker and database,
an office with a lobby gate and two meeting rooms, and people of every role."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress, make_client
from officegate.server.app import create_app
from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.devices.service import create_device
from officegate.server.journey import JourneyEvent
from officegate.server.meetings import service as meetings
from officegate.server.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with test-sized cost."""
    from argon2 import PasswordHasher

    from officegate.server.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture(autouse=True)
def no_background_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests sweep explicitly; the background sweep would race them."""
    monkeypatch.setenv("OFFICEGATE_MEETINGS_SWEEP_SECONDS", "3600")
    monkeypatch.setenv("OFFICEGATE_MEETINGS_FEED_REFRESH_MINUTES", "1440")


@dataclass
class Office:
    """A site with a lobby gate, rooms Sakura and Kaede (doors), and four users."""

    site: str
    gate: str
    sakura_door: str
    kaede_door: str
    admin: str = "admin@example.com"
    staff: str = "staff@example.com"
    host: str = "hana@example.com"
    colleague: str = "ken@example.com"
    journey: list[JourneyEvent] = field(default_factory=list)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings of a server with its own site id (retained topics stay apart on a shared broker)."""
    site = f"m{secrets.token_hex(4)}"
    return Settings(data_dir=tmp_path / "data", database_url=database_url, site=site,
                    site_name="Test Tower", base_url="http://testserver",
                    mqtt_client_id=f"og-test-{site}", secret_key="test-secret-" + "x" * 32,
                    pass_lead_minutes=15)


@pytest.fixture
def office(settings: Settings) -> Office:
    """Users, the lobby gate and two rooms, made through the service functions."""
    s = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{s}", sakura_door=f"sakura-{s}",
               kaede_door=f"kaede-{s}")
    with database_session(settings) as db:
        create_user(db=db, email=o.admin, password=PASSWORD, role="admin", name="Ada Admin")
        create_user(db=db, email=o.staff, password=PASSWORD, role="staff", name="Sam Staff")
        create_user(db=db, email=o.host, password=PASSWORD, role="host", name="Hana Host")
        create_user(db=db, email=o.colleague, password=PASSWORD, role="host", name="Ken Kato")
        create_device(db=db, name=o.gate, kind="gate", zone="lobby", site=o.site)
        create_device(db=db, name=o.sakura_door, kind="door", zone="floor-3", site=o.site)
        create_device(db=db, name=o.kaede_door, kind="door", zone="floor-3", site=o.site)
        meetings.create_room(db=db, site=o.site, name="sakura", label="3F Sakura",
                             door=o.sakura_door, via_zones=["lobby"])
        meetings.create_room(db=db, site=o.site, name="kaede", label="3F Kaede",
                             door=o.kaede_door, via_zones=["lobby"])
    return o


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress
           ) -> Iterator[TestClient]:
    """A running server (bridge and room listener connected to the broker)."""
    app = create_app(settings, broker=mqtt_broker)
    app.state.officegate.journey.subscribe("*", office.journey.append)
    with TestClient(app) as c:
        yield c
    # Persistent sessions (bridge, room listener) would queue events on a shared broker forever.
    for client_id in (settings.mqtt_client_id, f"{settings.mqtt_client_id}-rooms"):
        cleaner = make_client(client_id=str(client_id), broker=mqtt_broker, clean_session=True)
        try:
            cleaner.connect(mqtt_broker.host, mqtt_broker.port, 10)
            cleaner.loop_start()
            cleaner.disconnect()
            cleaner.loop_stop()
        except OSError:
            pass


def bearer(client: TestClient, email: str) -> dict[str, str]:
    """Authorization header for ``email``."""
    r = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
