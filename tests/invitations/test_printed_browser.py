"""Printing a static pass from the visit page, in Chromium: staff press "Print a static
pass", get a printable sheet in the visitor's language (switchable, one language at a time)
with the QR, the visitor, the day and the host; the printed QR is a real static pass that a
door allowing printed passes accepts and any other door refuses; the print view shows the
sheet alone. Hosts see who can print instead of a button.

Screenshots (390 and 1280 px, ja, en and zh_CN) go to $OFFICEGATE_SCREENSHOTS when set."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import zxingcpp
from arrival.conftest import noon_zone

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
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
TITLES = {"ja": "来訪者パス", "en": "Visitor pass", "zh_CN": "访客通行证"}


@pytest.fixture
def stack(tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str, inbox: Inbox,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_PORT", str(inbox.port))
    suffix = secrets.token_hex(3)
    s = Stack(data_dir=tmp_path, broker=mqtt_broker, database_url=database_url,
              site=f"p{suffix}")
    s.start(accounts=[Account("admin@p.test", "pw-" + secrets.token_hex(8), "admin", "Ada"),
                      Account("host@p.test", "pw-" + secrets.token_hex(8), "host", "Hana Host")],
            gates=[(f"gate-{suffix}", "lobby")])
    admin = {"Authorization": f"Bearer {s.token('admin')}"}
    s.http.put("/api/site/timezone", headers=admin,
               json={"timezone": noon_zone()}).raise_for_status()
    yield s
    s.stop()


def _login(page: Any, stack: Stack, role: str) -> None:
    page.goto(f"{stack.base_url}/login")
    page.fill("input[name=email]", stack.accounts[role].email)
    page.fill("input[name=password]", stack.accounts[role].password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _invite(stack: Stack) -> int:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    r = stack.http.post("/api/invitations",
                        headers={"Authorization": f"Bearer {stack.token('host')}"}, json={
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "visitors": [{"name": "田中 愛子", "email": "aiko@example.org",
                                          "company": "Acme 株式会社", "lang": "ja"}]})
    assert r.status_code == 201, r.text
    return int(r.json()["invited"][0]["visit_id"])


def _decide(stack: Stack, shot: bytes, *, allow_static: bool) -> Reason:
    picture = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_GRAYSCALE)
    texts = [r.text for r in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert len(texts) == 1 and texts[0].startswith("OG1S"), texts
    with database_session(stack.settings) as db:
        site = sites.get_site(db=db, code=stack.site)
        keyset = keys.build_keyset(db=db, site=site, keyring=stack.settings.keyring)
    return verify(texts[0], keys=keyset, revoked=frozenset(), now=time.time() + 6 * 60,
                  door=DoorPolicy(device="gate", zone="lobby", allow_static=allow_static)).reason


def test_staff_print_a_static_pass_from_the_visit_page(playwright: Any, stack: Stack,
                                                        tmp_path: Path) -> None:
    visit_id = _invite(stack)
    folder = Path(os.environ.get("OFFICEGATE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        host = browser.new_context(viewport={"width": 390, "height": 844},
                                   locale="en-US").new_page()
        _login(host, stack, "host")
        host.goto(f"{stack.base_url}/host/visits/{visit_id}?lang=en")
        assert host.locator("#print-pass").count() == 0
        assert "Reception staff can print" in host.inner_text("#visit-page")

        staff = browser.new_context(viewport={"width": 390, "height": 844},
                                    locale="en-US").new_page()
        _login(staff, stack, "admin")
        staff.goto(f"{stack.base_url}/host/visits/{visit_id}?lang=en")
        staff.screenshot(path=str(folder / "visit-print-button-phone-en.png"), full_page=True)
        staff.click("#print-pass")
        staff.wait_for_url(f"**/host/visits/{visit_id}/printed/*")
        # The sheet is for the visitor: in her language, though the staff page was English.
        assert staff.inner_text("h1") == TITLES["ja"]
        sheet = staff.inner_text("#sheet")
        assert "田中 愛子" in sheet and "Hana Host" in sheet and "Acme 株式会社" in sheet
        assert "Visitor" not in sheet  # one language at a time
        qr = staff.locator(".qr").screenshot()
        assert _decide(stack, qr, allow_static=True) is Reason.ACCEPTED
        assert _decide(stack, qr, allow_static=False) is not Reason.ACCEPTED
        staff.emulate_media(media="print")
        assert not staff.locator(".controls").is_visible()  # the print shows the sheet only
        assert staff.locator("#sheet").is_visible()
        staff.emulate_media(media="screen")
        printed_url = staff.url.split("?")[0]
        # Only staff print: the host's page for the same sheet is refused, an unknown one absent.
        assert host.goto(printed_url).status == 403
        assert staff.goto(printed_url.rsplit("/", 1)[0] + "/00ff").status == 404
        assert staff.goto(printed_url.rsplit("/", 1)[0] + "/" + "x" * 5000).status == 404

        for size, (width, height) in SIZES.items():
            for lang in ("ja", "en", "zh_CN"):
                page = browser.new_context(viewport={"width": width, "height": height}
                                           ).new_page()
                _login(page, stack, "admin")
                page.goto(f"{printed_url}?lang={lang}", wait_until="networkidle")
                assert page.inner_text("h1") == TITLES[lang]
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"the printed pass is {scroll}px wide at {width}px"
                page.screenshot(path=str(folder / f"printed-{size}-{lang}.png"), full_page=True)
                page.context.close()
    finally:
        browser.close()
