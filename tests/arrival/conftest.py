"""Fixtures for arrival, notifications, check-in and on-site: a real server (TestClient with
lifespan) on the session's broker and database, local HTTP receivers for notifications."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress
from officegate.protocol import rotating_code
from officegate.server.app import create_app
from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.devices.service import create_device
from officegate.server.settings import Settings

PASSWORD = "correct horse battery"
# The office: Tokyo Station's Marunouchi side; the approach ring reaches 1 km out.
OFFICE = (35.681236, 139.767125)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with test-sized cost."""
    from argon2 import PasswordHasher

    from officegate.server.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture(autouse=True)
def no_background_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests call hub.sweep(now) themselves; the background one would race them."""
    from officegate.server.arrival import hub

    monkeypatch.setattr(hub, "SWEEP_S", 3600.0)


@dataclass
class Receiver:
    """A local HTTP endpoint recording every request (apprise json://, a push service)."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until ``count`` requests came in (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.arrived.wait(0.1)
        return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running local receiver on a free port."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            rec = holder["r"]
            with rec.arrived:
                rec.requests.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body, "at": time.perf_counter()})
                rec.arrived.notify_all()
            self.send_response(410 if "/gone" in self.path else 201)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["r"] = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["r"]
    server.shutdown()
    server.server_close()


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
    site = f"a{secrets.token_hex(4)}"
    return Settings(data_dir=tmp_path / "data", database_url=database_url, site=site,
                    site_name="Test Tower", base_url="http://testserver",
                    mqtt_client_id=f"og-test-{site}", secret_key="test-secret-" + "x" * 32)


@pytest.fixture
def office(settings: Settings) -> Office:
    suffix = secrets.token_hex(3)
    o = Office(site=settings.site, gate=f"gate-{suffix}", exit_gate=f"exit-{suffix}")
    with database_session(settings) as db:
        create_user(db=db, email=o.admin, password=PASSWORD, role="admin", name="Ada Admin")
        create_user(db=db, email=o.staff, password=PASSWORD, role="staff", name="Sam Staff")
        create_user(db=db, email=o.host, password=PASSWORD, role="host", name="Hana Host")
        create_user(db=db, email=o.other_host, password=PASSWORD, role="host", name="Ken Host")
        create_device(db=db, name=o.gate, kind="gate", zone="lobby", site=o.site)
        create_device(db=db, name=o.exit_gate, kind="gate", zone="exit", site=o.site)
    return o


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress
           ) -> Iterator[TestClient]:
    app = create_app(settings, broker=mqtt_broker)
    with TestClient(app) as c:
        yield c


def bearer(client: TestClient, email: str) -> dict[str, str]:
    r = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


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
    device = secrets.token_hex(16)
    opened = client.post(f"/api/p/{token}/open", json={"device_id": device})
    assert opened.status_code == 200, opened.text
    return Phone(token, device, opened.json(), r.json()["visit_id"])


def at_distance(metres_north: float) -> tuple[float, float]:
    """A point ``metres_north`` of the office."""
    return OFFICE[0] + metres_north / 111_195.0, OFFICE[1]


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def location(lat: float, lon: float, *, acc: float = 10, tst: float | None = None,
             **extra: Any) -> bytes:
    """An OwnTracks location message, as the app sends it."""
    body = {"_type": "location", "lat": lat, "lon": lon, "acc": acc,
            "tst": int(tst if tst is not None else time.time()), "tid": "OG", **extra}
    return json.dumps(body).encode()
