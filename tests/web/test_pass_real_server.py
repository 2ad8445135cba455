"""The pass page against the real OfficeGate server: invite -> open -> QR a gate accepts."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pageutil import current_text, open_pass, quiet_moment, screen_qr_text
from passsite import ServerThread
from support.browser import wait_for_js

from officegate.protocol import DoorPolicy, KeySet, Reason, verify

pytestmark = pytest.mark.browser
server_app = pytest.importorskip("officegate.server.app")

PASSWORD = "correct horse battery"


@dataclass
class RealOffice:
    """A running server with a host, a lobby gate, and one invited visitor's pass link."""

    server: ServerThread
    settings: object
    gate: DoorPolicy
    pass_url: str

    def keys(self) -> KeySet:
        """The keyset the server publishes to edges (read from its database)."""
        from officegate.server.bootstrap import database_session
        from officegate.server.keys.service import build_keyset
        from officegate.server.sites.service import get_site

        with database_session(self.settings) as db:  # type: ignore[arg-type]
            site = get_site(db=db, code=self.settings.site)  # type: ignore[attr-defined]
            return build_keyset(db=db, site=site,
                                keyring=self.settings.keyring)  # type: ignore[attr-defined]


@pytest.fixture
def office(tmp_path: Path) -> Iterator[RealOffice]:
    from officegate.server.auth.service import create_user
    from officegate.server.bootstrap import database_session
    from officegate.server.devices.service import create_device
    from officegate.server.settings import Settings

    server = ServerThread(lifespan="on")  # lifespan: the app starts its embedded broker
    site = f"w{secrets.token_hex(4)}"
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'og.db'}",
                        site=site, site_name="Test Tower", base_url=server.url,
                        mqtt_client_id=f"og-web-test-{site}", secret_key="web-test-" + "x" * 32)
    gate = f"gate-{site}"
    with database_session(settings) as db:
        create_user(db=db, email="host@example.com", password=PASSWORD, role="host",
                    name="Hana Host")
        create_device(db=db, name=gate, kind="gate", zone="lobby", site=site)
    server.serve(server_app.create_app(settings))
    try:
        with httpx.Client(base_url=server.url, timeout=10) as api:
            r = api.post("/api/auth/token", json={"email": "host@example.com",
                                                  "password": PASSWORD})
            assert r.status_code == 200, r.text
            now = datetime.now(UTC)
            r = api.post("/api/visits", headers={"Authorization":
                                                 f"Bearer {r.json()['access_token']}"}, json={
                "visitor_name": "佐藤 花子 Hanako Sato",
                "starts_at": (now + timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
                "zones": ["lobby"], "room": "3F Sakura", "directions": "3F, left of the lift",
            })
            assert r.status_code == 201, r.text
        yield RealOffice(server, settings, DoorPolicy(device=gate, zone="lobby"),
                         r.json()["pass_url"])
    finally:
        server.stop()


def test_invited_visitor_shows_a_qr_the_gate_accepts_even_offline(
        office: RealOffice, phone, shots: Path) -> None:
    context = phone(timezone_id="Asia/Tokyo")
    page = open_pass(context, office.pass_url)
    text = current_text(page)
    assert screen_qr_text(page) == text
    keys = office.keys()
    decision = verify(text, keys=keys, revoked=(), door=office.gate,
                      now=datetime.now(UTC).timestamp())
    assert decision.reason is Reason.ACCEPTED, decision.detail
    assert page.locator("#host-name").inner_text() == "Hana Host"
    page.screenshot(full_page=True, path=str(shots / "real-server-ja.png"))

    # A forwarded link: the second phone is told why, in its one language.
    other = phone().new_page()
    other.goto(office.pass_url)
    other.locator("#error").wait_for()
    assert "別の端末" in other.locator("#error-primary").inner_text()
    assert "another phone" not in other.locator("#error").inner_text()

    # The first phone, with the server gone, still shows a pass the gate accepts.
    wait_for_js(page, "navigator.serviceWorker.controller !== null")
    wait_for_js(page, """async () => !!(await (await caches.open('officegate-pass-v2'))
                                 .match(location.href))""")
    office.server.stop()
    context.set_offline(True)
    moment = quiet_moment()
    context.clock.set_fixed_time(datetime.fromtimestamp(moment, tz=UTC))
    page.reload()
    wait_for_js(page, "window.officegate && window.officegate.currentText()")
    offline_text = current_text(page)
    assert screen_qr_text(page) == offline_text
    assert offline_text[12:] == text[12:]
    decision = verify(offline_text, keys=keys, revoked=(), door=office.gate, now=moment)
    assert decision.reason is Reason.ACCEPTED, decision.detail
