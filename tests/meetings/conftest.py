"""Fixtures for meetings and occupancy: a real server on the session's broker and database,
an office with a lobby gate and two meeting rooms, and people of every role."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from support.mqtt import forget_sessions
from support.office import (
    ADMIN,
    STAFF,
    as_visitor_phone,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.journey import JourneyEvent
from officegate.server.meetings import service as meetings
from officegate.server.settings import Settings

__all__ = ["bearer"]  # the tests import it from here


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
    return server_settings(tmp_path, database_url, site, pass_lead_minutes=15)


@pytest.fixture
def office(settings: Settings) -> Office:
    """Users, the lobby gate and two rooms, made through the service functions."""
    s = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{s}", sakura_door=f"sakura-{s}",
               kaede_door=f"kaede-{s}")

    def rooms(db: Session) -> None:
        meetings.create_room(db=db, site=o.site, name="sakura", label="3F Sakura",
                             door=o.sakura_door, via_zones=["lobby"])
        meetings.create_room(db=db, site=o.site, name="kaede", label="3F Kaede",
                             door=o.kaede_door, via_zones=["lobby"])

    build_office(settings, people=[ADMIN, STAFF, (o.host, "host", "Hana Host"),
                                   (o.colleague, "host", "Ken Kato")],
                 devices=[(o.gate, "gate", "lobby"), (o.sakura_door, "door", "floor-3"),
                          (o.kaede_door, "door", "floor-3")], then=rooms)
    return o


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress
           ) -> Iterator[TestClient]:
    """A running server (bridge and room listener connected to the broker)."""
    app = create_app(settings, broker=mqtt_broker)
    app.state.officegate.journey.subscribe("*", office.journey.append)
    with TestClient(app) as c:
        as_visitor_phone(c)
        yield c
    # Persistent sessions (bridge, room listener) would queue events on a shared broker forever.
    forget_sessions(mqtt_broker, [str(settings.mqtt_client_id),
                                  f"{settings.mqtt_client_id}-rooms"])
