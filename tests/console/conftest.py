"""The staff console's fixtures: a server on the session's broker and database with its
mail going to a local SMTP server, an office with staff, a host, a gate and a door."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from support.mqtt import forget_sessions
from support.office import (
    EVERYONE,
    PASSWORD,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)
from support.receivers import MailReceiver, running_smtp

from officegate.mqtt import BrokerAddress
from officegate.protocol.messages import AccessEvent
from officegate.server.access.service import ingest_events
from officegate.server.app import create_app
from officegate.server.bootstrap import database_session
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings

__all__ = ["PASSWORD", "bearer"]


@dataclass
class Office:
    """A site with a lobby gate and a floor door, an admin, two staff and two hosts."""

    site: str
    gate: str
    door: str
    admin: str = "admin@example.com"
    staff: str = "staff@example.com"
    night: str = "night@example.com"
    host: str = "host@example.com"
    other_host: str = "host2@example.com"


@pytest.fixture
def smtp() -> Iterator[MailReceiver]:
    """The server's outgoing mail server (a real local SMTP server)."""
    with running_smtp() as inbox:
        yield inbox


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return server_settings(tmp_path, database_url, f"c{secrets.token_hex(4)}")


@pytest.fixture
def office(settings: Settings) -> Office:
    suffix = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{suffix}", door=f"door-{suffix}")
    build_office(settings, people=(*EVERYONE, (o.night, "staff", "Nat Night")),
                 devices=[(o.gate, "gate", "lobby"), (o.door, "door", "floor-3")])
    return o


@pytest.fixture
def app(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
        smtp: MailReceiver) -> Iterator[FastAPI]:
    """The server app, mail through the local SMTP server (started by whoever serves it)."""
    mail = MessagingConfig(smtp_host="127.0.0.1", smtp_port=smtp.port,
                           mail_from="alarms@example.com", default_lang="ja")
    yield create_app(settings.model_copy(update={"messaging": mail}), broker=mqtt_broker)
    forget_sessions(mqtt_broker, [settings.mqtt_client_id or ""])


def sign_in(http: httpx.Client | Any, email: str) -> None:
    """Sign ``http`` in with the login form (session cookie)."""
    r = http.post("/login", data={"email": email, "password": PASSWORD, "next": "/staff"},
                  follow_redirects=False)
    assert r.status_code == 303, r.text


@dataclass
class Feed:
    """A console page's live feed read in a thread: every event's data, in order."""

    items: list[dict[str, Any]] = field(default_factory=list)
    connected: threading.Event = field(default_factory=threading.Event)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [i for i in self.items if i.get("type") == kind]


def read_feed(http: httpx.Client, feed: Feed, stop: threading.Event) -> None:
    """Read ``/api/console/feed`` into ``feed`` until ``stop`` is set (or the stream ends)."""
    import json

    try:
        with http.stream("GET", "/api/console/feed", timeout=None) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line == ": connected":
                    feed.connected.set()
                elif line.startswith("data: "):
                    feed.items.append(json.loads(line[6:]))
    except httpx.HTTPError:
        return  # the server stopped at the end of the test


def access_event(device: str, site: str, *, at: datetime, reason: str = "accepted",
                 visit_id: int | None = None, kind: str = "access",
                 detail: str = "") -> AccessEvent:
    """An access event as a device reports it."""
    return AccessEvent(id=uuid.uuid4().hex, device=device, site=site, at=at.timestamp(),
                       reason=reason, pass_id=None, visit_id=visit_id, subject=None, kid=None,
                       latency_ms=4.0, detail=detail, kind=kind)


def store_events(settings: Settings, events: list[AccessEvent]) -> None:
    """Store events as the bridge does."""
    with database_session(settings) as db:
        ingest_events(db=db, events=events)


def visit(http: httpx.Client | Any, office: Office, *, name: str, host: str | None = None,
          starts_in: timedelta = timedelta(minutes=5)) -> int:
    """A visit today, invited by ``host`` (default: the first host); its id."""
    start = datetime.now(UTC) + starts_in
    r = http.post("/api/visits", headers=bearer(http, host or office.host), json={
        "visitor_name": name, "visitor_email": f"{uuid.uuid4().hex[:6]}@example.org",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "doors": [], "room": "3F Sakura"})
    assert r.status_code == 201, r.text
    return int(r.json()["visit_id"])
