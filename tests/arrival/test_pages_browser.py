"""The visitor's real browser: the pass page asks for consent and shares location until the
approach is decided; the lobby poster's page checks in with the pass already on the phone,
and the pass page then shows the new pass (the one the lobby gate accepts)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import zxingcpp
from support.browser import wait_for_js
from support.system import CHROMIUM, skip_module_without_chromium

from officegate.demo.stack import Account, Stack
from officegate.mqtt import BrokerAddress

skip_module_without_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

OFFICE = (35.681236, 139.767125)


@pytest.fixture
def stack(tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str) -> Iterator[Stack]:
    s = Stack(data_dir=tmp_path, broker=mqtt_broker, database_url=database_url,
              site=f"b{secrets.token_hex(3)}")
    s.start(accounts=[Account("admin@b.test", "pw-" + secrets.token_hex(8), "admin", "Ada"),
                      Account("host@b.test", "pw-" + secrets.token_hex(8), "host", "Ken")],
            gates=[(f"gate-{secrets.token_hex(3)}", "lobby")])
    yield s
    s.stop()


def test_pass_page_shares_location_then_checks_in_from_the_poster(playwright: Any,
                                                                   stack: Stack) -> None:
    from .conftest import noon_zone

    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    stack.http.put(f"/api/sites/{stack.site}/arrival", headers=admin, json={
        "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80, "approach_m": 1500,
        "checkin_zones": ["lobby"], "timezone": noon_zone()}).raise_for_status()
    invitation = stack.invite(host_token=stack.token("host"), visitor_name="Aiko Tanaka",
                              zones=["lobby"], room="3F Sakura", directions="Left of the lift")
    with nullcontext(playwright) as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="en-US",
                geolocation={"latitude": OFFICE[0] + 1000 / 111_195, "longitude": OFFICE[1],
                             "accuracy": 20}, permissions=["geolocation"])
            page = phone.new_page()
            page.goto(invitation["pass_url"] + "?lang=en")
            page.wait_for_selector("#arrival:not([hidden]) button")
            assert "not stored" in page.inner_text("#arrival")
            page.click("#arrival button")  # "Share location"
            wait_for_js(page,
                "document.querySelector('#arrival').textContent.includes('Almost there')")
            before = page.evaluate("self.officegate.currentText()")

            staff = browser.new_context().new_page()
            staff.goto(f"{stack.base_url}/login?next=/staff/poster")
            staff.fill("input[name=email]", "admin@b.test")
            staff.fill("input[name=password]", stack.accounts["admin"].password)
            staff.click("button[type=submit]")
            url = staff.locator(".poster").get_attribute("data-url")
            assert url and re.search(r"/c/[a-z0-9]+\?d=\d{4}-\d\d-\d\d&k=[A-Z2-7]{16}$", url)
            # What a phone camera reads off the printed poster is that same URL.
            shot = cv2.imdecode(np.frombuffer(staff.locator(".poster .qr").screenshot(),
                                              np.uint8), cv2.IMREAD_GRAYSCALE)
            qr = zxingcpp.BarcodeFormat.QRCode
            assert [b.text for b in zxingcpp.read_barcodes(shot, formats=qr)] == [url]

            page.goto(url)  # the phone's camera opens the poster's URL
            page.wait_for_selector("#done:not([hidden])")
            assert "Left of the lift" in page.inner_text("#done")
            page.click("#to-pass")
            page.wait_for_selector("#checked-in:not([hidden])")
            wait_for_js(page, "self.officegate.currentText() !== null")
            after = page.evaluate("self.officegate.currentText()")
            assert after[12:] != before[12:]  # a new signed pass, not just a new code
            phone_id = page.evaluate("localStorage.getItem('og.device')")  # the pass's phone
            status = stack.http.get(f"/api/p/{invitation['pass_url'].rsplit('/', 1)[1]}"
                                    "/arrival", headers={"X-Pass-Device": phone_id}).json()
            assert status["checkin"] == "checked_in" and status["approached"]
        finally:
            browser.close()
