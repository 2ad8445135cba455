"""The office a server test starts from: its settings, its people, signing in as one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from officegate.server.auth.service import create_user
from officegate.server.settings import Settings

PASSWORD = "correct horse battery"
# The phone a test client stands for on pass-page calls (the server binds a pass link to
# the first phone that uses it; tests of forwarded links use a client without this).
VISITOR_PHONE = "phone-of-the-test-visitor"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with test-sized cost (production cost takes ~0.2 s per hash here).
    A conftest imports this fixture to have it in its folder."""
    from argon2 import PasswordHasher

    from officegate.server.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


def server_settings(tmp_path: Path, database_url: str, site: str, **changes: Any) -> Settings:
    """Settings of a test server for ``site``: its own data directory and MQTT client id."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data", "database_url": database_url, "site": site,
        "site_name": "Test Tower", "base_url": "http://testserver",
        "mqtt_client_id": f"og-test-{site}", "secret_key": "test-secret-" + "x" * 32}
    values.update(changes)
    return Settings(**values)


def add_people(db: Session, people: Iterable[tuple[str, str, str]]) -> None:
    """Create the users ``(email, role, name)``, each with :data:`PASSWORD`."""
    for email, role, name in people:
        create_user(db=db, email=email, password=PASSWORD, role=role, name=name)


def bearer(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization header for ``email``."""
    r = client.post("/api/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def as_visitor_phone(client: TestClient) -> TestClient:
    """``client`` with the pass page's phone header on every call (:data:`VISITOR_PHONE`)."""
    client.headers["X-Pass-Device"] = VISITOR_PHONE
    return client


# Who works in a test office: (e-mail, role, name). Folders take the ones they need.
ADMIN = ("admin@example.com", "admin", "Ada Admin")
STAFF = ("staff@example.com", "staff", "Sam Staff")
HOST = ("host@example.com", "host", "Hana Host")
OTHER_HOST = ("host2@example.com", "host", "Ken Host")
EVERYONE = (ADMIN, STAFF, HOST, OTHER_HOST)


def build_office(settings: Settings, *, people: Iterable[tuple[str, str, str]] = EVERYONE,
                 devices: Iterable[tuple[str, str, str]] = (),
                 visitor_zones: list[str] | None = None,
                 then: Callable[[Session], None] | None = None) -> None:
    """The one way a test office is made, through the service functions: its people, its
    devices ``(name, kind, zone)``, the zones hosts may grant, then ``then(db)`` for what a
    folder adds (rooms, machines)."""
    from officegate.server.bootstrap import database_session
    from officegate.server.devices.service import create_device
    from officegate.server.sites.service import get_site
    from officegate.server.sites.visitor_zones import set_visitor_zones

    with database_session(settings) as db:
        add_people(db, people)
        for name, kind, zone in devices:
            create_device(db=db, name=name, kind=kind, zone=zone, site=settings.site)
        if visitor_zones is not None:
            set_visitor_zones(db=db, site=get_site(db=db, code=settings.site),
                              zones=visitor_zones)
        if then is not None:
            then(db)
