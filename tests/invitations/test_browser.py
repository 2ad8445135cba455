"""The invite-to-meet path in Chromium: the host invites on the invite page, the visitor
opens the e-mailed link, the lobby gate refuses the pass before check-in, the host's "my
visits" shows "arrived" and then "checked in" live, and the gate opens after check-in.

Screenshots of every host page and the pass page (390x844 and 1280x800, ja and en) are
written to $OFFICEGATE_SCREENSHOTS when it is set (else to the test's temporary folder)."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from arrival.conftest import noon_zone
from support.browser import wait_for_js

from officegate.demo.stack import Account, Stack
from officegate.mqtt import BrokerAddress
from officegate.protocol import DoorPolicy, Reason, verify
from officegate.server.bootstrap import database_session
from officegate.server.keys import service as keys
from officegate.server.sites import service as sites

from .conftest import Inbox

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
OFFICE = (35.681236, 139.767125)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}


@pytest.fixture
def stack(tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str, inbox: Inbox,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    # The server's SMTP settings: invitations go out by e-mail with no other set-up.
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_PORT", str(inbox.port))
    monkeypatch.setenv("OFFICEGATE_MESSAGING_QUIET_START_HOUR", "0")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_QUIET_END_HOUR", "0")
    suffix = secrets.token_hex(3)
    s = Stack(data_dir=tmp_path, broker=mqtt_broker, database_url=database_url,
              site=f"h{suffix}")
    s.start(accounts=[Account("admin@h.test", "pw-" + secrets.token_hex(8), "admin", "Ada"),
                      Account("host@h.test", "pw-" + secrets.token_hex(8), "host", "Hana Host")],
            gates=[(f"gate-{suffix}", "lobby")])
    s.gate_name = f"gate-{suffix}"  # type: ignore[attr-defined]
    admin = {"Authorization": f"Bearer {s.token('admin')}"}
    s.http.put("/api/site/timezone", headers=admin,
               json={"timezone": noon_zone()}).raise_for_status()
    s.http.put(f"/api/sites/{s.site}/arrival", headers=admin, json={
        "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80, "approach_m": 1500,
        "checkin_zones": ["lobby"], "timezone": noon_zone()}).raise_for_status()
    yield s
    s.stop()


def _shots() -> Path | None:
    folder = os.environ.get("OFFICEGATE_SCREENSHOTS")
    return Path(folder) if folder else None


def _snap(browser: Any, stack: Stack, path: str, name: str, login: str | None,
          folder: Path) -> None:
    """``path`` at both sizes in both languages, saved as ``name-<size>-<lang>.png``."""
    for size, (width, height) in SIZES.items():
        for lang in ("ja", "en"):
            context = browser.new_context(viewport={"width": width, "height": height},
                                          locale="ja-JP" if lang == "ja" else "en-US")
            page = context.new_page()
            if login:
                _login(page, stack, login)
            sep = "&" if "?" in path else "?"
            page.goto(f"{stack.base_url}{path}{sep}lang={lang}", wait_until="networkidle")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"
            page.screenshot(path=str(folder / f"{name}-{size}-{lang}.png"), full_page=True)
            context.close()


def _login(page: Any, stack: Stack, role: str) -> None:
    page.goto(f"{stack.base_url}/login")
    page.fill("input[name=email]", stack.accounts[role].email)
    page.fill("input[name=password]", stack.accounts[role].password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _gate(stack: Stack, page: Any) -> Reason:
    wait_for_js(page, "() => window.officegate && window.officegate.currentText()")
    shot = page.locator(".qr-card").screenshot()
    screen = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    decisions = stack.show_to_gate(stack.gate_name, lambda: screen,  # type: ignore[attr-defined]
                                   frames=20)
    assert decisions, "the gate read no QR"
    return decisions[0].reason


def _employee_pass(browser: Any, stack: Stack, folder: Path) -> None:
    """The host books a room; their own page shows a room-door QR the door accepts."""
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    door = f"door-{secrets.token_hex(3)}"
    stack.http.post("/api/devices", headers=admin, json={
        "name": door, "kind": "door", "zone": "floor3"}).raise_for_status()
    stack.http.post("/api/rooms", headers=admin, json={
        "name": "sakura", "label": "3F Sakura", "door": door,
        "via_zones": ["lobby"]}).raise_for_status()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    stack.http.post("/api/meetings", headers={"Authorization": f"Bearer {stack.token('host')}"},
                    json={"room": "sakura", "title": "Design review",
                          "starts_at": start.isoformat(),
                          "ends_at": (start + timedelta(hours=1)).isoformat()}
                    ).raise_for_status()
    page = browser.new_context(viewport={"width": 390, "height": 844},
                               locale="en-US").new_page()
    _login(page, stack, "host")
    page.goto(f"{stack.base_url}/me/passes?lang=en")
    wait_for_js(page, "() => !!document.querySelector('canvas[data-text]')")
    text = page.get_attribute("canvas[data-text]", "data-text")
    page.screenshot(path=str(folder / "my-passes-phone-en.png"), full_page=True)
    with database_session(stack.settings) as db:
        site = sites.get_site(db=db, code=stack.site)
        keyset = keys.build_keyset(db=db, site=site, keyring=stack.settings.keyring)
    decision = verify(text, keys=keyset, revoked=frozenset(),
                      door=DoorPolicy(device=door, zone="floor3"), now=time.time())
    assert decision.reason is Reason.ACCEPTED


def test_invite_page_to_gate_with_the_host_watching(playwright: Any, stack: Stack, inbox: Inbox,
                                                    tmp_path: Path) -> None:
    stack.add_gate(stack.gate_name, "lobby")  # type: ignore[attr-defined]
    folder = _shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    with nullcontext(playwright) as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            host = browser.new_context(viewport={"width": 390, "height": 844},
                                       locale="en-US").new_page()
            _login(host, stack, "host")
            host.goto(f"{stack.base_url}/host/invite?lang=en")
            host.fill("#g0-name", "Aiko Tanaka")
            host.fill("#g0-email", "not-an-address")
            host.evaluate("""() => {
                const at = (m) => new Date(Date.now() + m * 60000);
                const day = OfficeGateTime.format(at(5), "en-CA",
                    {year: "numeric", month: "2-digit", day: "2-digit"});
                const hm = (d) => OfficeGateTime.format(d, "en-GB",
                    {hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
                document.getElementById("day").value = day;
                document.getElementById("start").value = hm(at(5));
                document.getElementById("end").value = hm(at(65));
            }""")
            host.click("#send")
            # The API's refusal is shown next to the field it is about.
            host.wait_for_selector("[data-e=email]:has-text('not an e-mail')")
            assert host.get_attribute("#g0-email", "aria-invalid") == "true"
            host.fill("#g0-email", "aiko@example.org")
            host.click("#send")
            host.wait_for_selector("#result:not([hidden])")
            assert "invitation sent" in host.inner_text("#result")
            host.goto(f"{stack.base_url}/host/visits?lang=en")
            host.wait_for_selector(".visit .state[data-state=invited]")
            host.wait_for_selector("#live-text:has-text('Live')")

            token = inbox.link_for("aiko@example.org")
            visitor = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="en-US",
                geolocation={"latitude": OFFICE[0] + 1000 / 111_195, "longitude": OFFICE[1],
                             "accuracy": 15}, permissions=["geolocation"])
            phone = visitor.new_page()
            phone.goto(f"{stack.base_url}/p/{token}?lang=en")
            assert _gate(stack, phone) is Reason.WRONG_DOOR  # not before check-in
            phone.wait_for_selector("#arrival:not([hidden]) button")
            phone.click("#arrival button")  # share location: 1 km away, then at the door
            host.wait_for_selector(".visit .state[data-state=approaching]", timeout=15000)
            # At the door: the phone's next two reports (the page sends one per 15 s; these
            # are the same requests, sent now) are two confident fixes inside: arrived.
            device = {"X-Pass-Device": phone.evaluate("localStorage.getItem('og.device')")}
            for metres in (5, 0):
                r = stack.http.post(f"/api/p/{token}/location", headers=device, json={
                    "lat": OFFICE[0] + metres / 111_195, "lon": OFFICE[1], "acc": 10,
                    "at": time.time()})
                assert r.status_code == 200, r.text
            host.wait_for_selector(".visit .state[data-state=arrived]", timeout=15000)

            staff = browser.new_context().new_page()
            _login(staff, stack, "admin")
            staff.goto(f"{stack.base_url}/staff/poster")
            poster = staff.locator(".poster").get_attribute("data-url")
            assert poster and re.search(r"/c/", poster)
            phone.goto(poster)
            phone.wait_for_selector("#done:not([hidden])")
            phone.click("#to-pass")
            phone.wait_for_selector("#checked-in:not([hidden])")
            host.wait_for_selector(".visit .state[data-state=checked_in]", timeout=15000)
            assert _gate(stack, phone) is Reason.ACCEPTED
            for lang in ("en", "ja", "zh_CN"):  # the switcher at the foot of the pass page
                if lang != "en":
                    phone.click(f"[data-lang-choice={lang}]")
                phone.screenshot(path=str(folder / f"pass-phone-{lang}.png"), full_page=True)
            phone.set_viewport_size({"width": 1280, "height": 800})
            phone.screenshot(path=str(folder / "pass-laptop-zh_CN.png"), full_page=True)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 1280
            assert phone.inner_text("h1") == "访客通行证"
            visit_href = host.locator(".visit a").first.get_attribute("href")
            assert visit_href

            _employee_pass(browser, stack, folder)
            _snap(browser, stack, "/host/invite", "invite", "host", folder)
            _snap(browser, stack, "/host/visits", "visits", "host", folder)
            _snap(browser, stack, visit_href, "visit", "host", folder)
        finally:
            browser.close()
