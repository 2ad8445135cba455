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
    HOST,
    PASSWORD,
    STAFF,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture, doors imports it too)
    server_settings,
)

from officegate.edge.link import EdgeLink
from officegate.edge.outbox import Outbox
from officegate.edge.verifier import EdgeVerifier
from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
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
    site = f"f{secrets.token_hex(4)}"
    settings = server_settings(tmp_path, database_url, site,
                               mqtt_client_id=f"og-test-fleet-{site}")
    o = Office(settings=settings, gate=f"gate-{site}", door=f"door-{site}")
    build_office(settings, people=[STAFF, HOST],
                 devices=[(o.gate, "gate", "lobby"), (o.door, "door", "floor-3")])
    yield o
    # None left behind on a shared broker.
    forget_sessions(mqtt_broker, [settings.mqtt_client_id or ""])


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

