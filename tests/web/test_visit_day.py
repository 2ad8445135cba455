"""The visit day in chromium against the real server: the pass page sends the visitor to the
lobby poster before check-in and to the gate after it, thanks them after check-out (rather
than saying the pass was cancelled), and the host's page marks the visitor met."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pageutil import open_pass
from passsite import ServerThread
from support.browser import wait_for_js

pytestmark = pytest.mark.browser
server_app = pytest.importorskip("officegate.server.app")

PASSWORD = "correct horse battery"
WAIT_MS = 30_000  # the pages poll the server; generous for a loaded CI machine
DESK = {"viewport": {"width": 1280, "height": 800}}


@dataclass
class Lobby:
    """A running server whose lobby zone is given at the check-in poster, and one visit."""

    server: ServerThread
    api: httpx.Client
    admin: dict[str, str]
    pass_url: str
    visit_id: int


@pytest.fixture
def lobby(tmp_path: Path) -> Iterator[Lobby]:
    from officegate.server.auth.service import create_user
    from officegate.server.bootstrap import database_session
    from officegate.server.devices.service import create_device
    from officegate.server.settings import Settings

    server = ServerThread(lifespan="on")
    site = f"v{secrets.token_hex(4)}"
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'og.db'}",
                        site=site, site_name="Lobby Tower", base_url=server.url,
                        mqtt_client_id=f"og-web-day-{site}", secret_key="web-day-" + "x" * 32)
    with database_session(settings) as db:
        for email, role in (("admin@example.com", "admin"), ("host@example.com", "host")):
            create_user(db=db, email=email, password=PASSWORD, role=role, name="Hana Host")
        create_device(db=db, name=f"gate-{site}", kind="gate", zone="lobby", site=site)
    server.serve(server_app.create_app(settings))
    try:
        with httpx.Client(base_url=server.url, timeout=15) as api:
            def login(email: str) -> dict[str, str]:
                r = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            admin, host = login("admin@example.com"), login("host@example.com")
            r = api.put(f"/api/sites/{site}/arrival", headers=admin, json={
                "lat": 35.681236, "lon": 139.767125, "radius_m": 80, "approach_m": 1500,
                "checkin_zones": ["lobby"], "timezone": "Asia/Tokyo"})
            assert r.status_code == 200, r.text
            now = datetime.now(UTC)
            r = api.post("/api/visits", headers=host, json={
                "visitor_name": "田中 愛子 Aiko Tanaka",
                "starts_at": (now + timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(), "zones": ["lobby"]})
            assert r.status_code == 201, r.text
            yield Lobby(server, api, admin, r.json()["pass_url"], int(r.json()["visit_id"]))
    finally:
        server.stop()


def _sign_in(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_poster_then_gate_then_thanks_and_the_host_meets_the_visitor(
        lobby: Lobby, phone, browser, shots: Path) -> None:
    page = open_pass(phone(timezone_id="Asia/Tokyo"), lobby.pass_url)
    instruction = page.locator(".instruction")
    # Before check-in the pass opens nothing yet: the lobby poster is where to go.
    assert instruction.inner_text() == (
        "到着したら、ロビーのポスターの QR をスマートフォンのカメラで"
        "読み取ってチェックインしてください")
    page.locator("#lang-toggle").click()
    assert instruction.inner_text() == (
        "When you arrive, scan the QR poster in the lobby with your phone's camera to check in")
    page.locator("#lang-toggle").click()

    staff = browser.new_context(**DESK, locale="ja-JP")
    try:
        desk = staff.new_page()
        _sign_in(desk, lobby.server.url, "admin@example.com")
        desk.goto(f"{lobby.server.url}/staff/poster")
        poster = re.search(r'data-url="([^"]+)"', desk.content())
        assert poster is not None
        page.goto(poster.group(1).replace("&amp;", "&"))  # the phone scans the poster
        page.locator("#done").wait_for(timeout=WAIT_MS)
        page.locator("#to-pass").click()
        wait_for_js(page, "window.officegate && window.officegate.currentText()")
        wait_for_js(page, "document.querySelector('.instruction').textContent"
                          ".includes('ゲート')", timeout=WAIT_MS / 1000)
        assert instruction.inner_text() == "この QR コードをゲートのカメラにかざしてください"
        page.screenshot(full_page=True, path=str(shots / "visit-day-checked-in-ja.png"))
    finally:
        staff.close()

    # The host's page: the check-in notice offers "met"; pressing it stops the reminders.
    desk = browser.new_context(**DESK, locale="ja-JP")
    try:
        host = desk.new_page()
        _sign_in(host, lobby.server.url, "host@example.com")
        host.goto(f"{lobby.server.url}/host")
        met = host.locator(".notice.checked_in button.met")
        met.wait_for(timeout=WAIT_MS)
        met.click()
        host.locator(".notice.checked_in.acked").wait_for(timeout=WAIT_MS)
        assert host.locator("button.met").count() == 0
        pressed_by = datetime.now(UTC)
        host.screenshot(full_page=True, path=str(shots / "visit-day-host-met.png"))
    finally:
        desk.close()
    # Meeting the visitor again keeps the first time: the host's press, before now.
    again = lobby.api.post(f"/api/visits/{lobby.visit_id}/met", headers=lobby.admin)
    assert again.status_code == 200, again.text
    met_at = datetime.fromisoformat(again.json()["met_at"].replace("Z", "+00:00"))
    assert (met_at if met_at.tzinfo else met_at.replace(tzinfo=UTC)) <= pressed_by

    # Check-out ends the pass: the page thanks the visitor instead of "cancelled".
    checkout = page.locator("#arrival button.secondary")
    checkout.wait_for(timeout=WAIT_MS)
    checkout.click()
    page.locator("#arrival").get_by_text("チェックアウトしました").wait_for(timeout=WAIT_MS)
    page.reload()
    page.locator("#error.done").wait_for(timeout=WAIT_MS)
    assert page.locator("#error-primary").inner_text() == (
        "チェックアウトしました。ご来訪ありがとうございました。")
    assert "Thank you" not in page.locator("#error").inner_text()  # one language
    page.screenshot(full_page=True, path=str(shots / "visit-day-checked-out-ja.png"))
