"""Fixtures for the server tests: a real database and a real MQTT broker.

Database: the suite's one strategy (tests/conftest.py ``database_url``): a copy of a
database migrated once per session, SQLite by default, PostgreSQL when
``OFFICEGATE_TEST_DATABASE_URL`` names one.
Broker: Mosquitto (or any) at ``OFFICEGATE_TEST_MQTT_URL``, else the embedded amqtt broker.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.mqtt import forget_sessions
from support.office import (
    PASSWORD,
    as_visitor_phone,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.settings import Settings

__all__ = ["PASSWORD", "bearer"]  # tests import these from here

PHONE_ID = "phone-0123456789abcdef"


@pytest.fixture(scope="session")
def broker(mqtt_broker: BrokerAddress) -> BrokerAddress:
    """The suite's broker: Mosquitto when CI names one (OFFICEGATE_TEST_MQTT_URL), else the
    embedded one (tests/conftest.py)."""
    return mqtt_broker


@pytest.fixture(scope="session")
def site_code() -> str:
    """A site id of our own, so retained topics never meet another suite's on a shared broker."""
    return f"t{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def server_client_id(broker: BrokerAddress, site_code: str) -> Iterator[str]:
    """The bridge's fixed client id; its persistent session is cleared after the run."""
    client_id = f"og-test-server-{site_code}"
    yield client_id
    forget_sessions(broker, [client_id])


@pytest.fixture
def settings(tmp_path: Path, database_url: str, site_code: str, server_client_id: str) -> Settings:
    """Settings of a server with its own data directory."""
    return server_settings(tmp_path, database_url, site_code, mqtt_client_id=server_client_id)


@dataclass
class Office:
    """A prepared office: site with a lobby gate and a room door, three users."""

    site: str
    gate: str
    door: str
    admin: str = "admin@example.com"
    staff: str = "staff@example.com"
    host: str = "host@example.com"
    other_host: str = "host2@example.com"


@pytest.fixture
def office(settings: Settings) -> Office:
    """Users of every role and two devices, created through the service functions."""
    suffix = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{suffix}", door=f"door-{suffix}")
    # Hosts here may bring visitors to the third floor too (its door on the pass).
    build_office(settings, devices=[(o.gate, "gate", "lobby"), (o.door, "door", "floor-3")],
                 visitor_zones=["lobby", "floor-3"])
    return o


@pytest.fixture
def client(settings: Settings, office: Office, broker: BrokerAddress) -> Iterator[TestClient]:
    """A running server (lifespan started: bridge connected to the broker)."""
    app = create_app(settings, broker=broker)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c


def visit_body(office: Office, **changes: object) -> dict[str, object]:
    """A valid invitation for now, allowing the lobby zone and the room door."""
    now = datetime.now(UTC)
    body: dict[str, object] = {
        "visitor_name": "佐藤 花子 Hanako Sato", "visitor_email": "hanako@example.org",
        "starts_at": (now + timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "doors": [office.door], "room": "3F Room Sakura",
    }
    body.update(changes)
    return body


def token_of(pass_url: str) -> str:
    """The link token at the end of a pass URL."""
    return pass_url.rsplit("/p/", 1)[1]
