"""Fleet fixtures: a running server (bridge on the test broker), staff users, and edge links."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.mqtt import forget_sessions
from support.office import (
    PASSWORD,
    add_people,
    cheap_argon2,  # noqa: F401 (an autouse fixture, doors imports it too)
)

from officegate.edge.link import EdgeLink
from officegate.edge.outbox import Outbox
from officegate.edge.verifier import EdgeVerifier
from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.bootstrap import database_session
from officegate.server.settings import Settings


@dataclass
class Office:
    """A site with a gate and a door, a staff member and a host."""

    settings: Settings
    gate: str
    door: str
    staff: str = "staff@example.com"
    host: str = "host@example.com"

    @property
    def site(self) -> str:
        return self.settings.site


@pytest.fixture
def office(tmp_path: Path, database_url: str, mqtt_broker: BrokerAddress) -> Iterator[Office]:
    from officegate.server.devices.service import create_device

    site = f"f{secrets.token_hex(4)}"
    client_id = f"og-test-fleet-{site}"
    settings = Settings(data_dir=tmp_path / "server", database_url=database_url, site=site,
                        mqtt_client_id=client_id, secret_key="fleet-secret-" + "x" * 32)
    o = Office(settings=settings, gate=f"gate-{site}", door=f"door-{site}")
    with database_session(settings) as db:
        add_people(db, [(o.staff, "staff", "Sam Staff"), (o.host, "host", "Hana Host")])
        create_device(db=db, name=o.gate, kind="gate", zone="lobby", site=site)
        create_device(db=db, name=o.door, kind="door", zone="floor-3", site=site)
    yield o
    forget_sessions(mqtt_broker, [client_id])  # none left behind on a shared broker


@pytest.fixture
def client(office: Office, mqtt_broker: BrokerAddress) -> Iterator[TestClient]:
    """The server, lifespan started (bridge connected)."""
    with TestClient(create_app(office.settings, broker=mqtt_broker)) as c:
        yield c


def staff_login(client: TestClient, email: str) -> None:
    """Sign in through the login form (session cookie)."""
    r = client.post("/login", data={"email": email, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def edge_link(tmp_path: Path, broker: BrokerAddress, device: str, site: str,
              **options: object) -> EdgeLink:
    """A real edge link (outbox, verifier) for ``device``, not yet started."""
    verifier = EdgeVerifier(device=device, site=site, zone="lobby", relay_pulse_ms=800)
    return EdgeLink(device=device, site=site, broker=broker,
                    outbox=Outbox(tmp_path / f"{device}-outbox.db"), verifier=verifier,
                    **options)  # type: ignore[arg-type]

