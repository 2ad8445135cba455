"""Once opened, the pass keeps working with no signal and no server at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pageutil import (
    code_of,
    current_text,
    expected_code,
    open_pass,
    quiet_moment,
    screen_qr_text,
    shown_matches_current,
)
from passsite import GATE, PassSite

from officegate.protocol import Reason, verify

pytestmark = pytest.mark.browser

CACHED_PAGE = """async () => {
  const cache = await caches.open('officegate-pass-v2');
  return !!(await cache.match(location.href)) && !!(await cache.match('/static/pass-bundle.js'));
}"""


def test_reload_offline_still_shows_a_working_qr(site: PassSite, phone, shots: Path) -> None:
    context = phone()
    page = open_pass(context, f"{site.url}/p/tok-1")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(CACHED_PAGE)
    issued = site.passes["tok-1"]

    site.stop()  # no server, not only no signal
    context.set_offline(True)
    moment = quiet_moment()
    context.clock.set_fixed_time(datetime.fromtimestamp(moment, tz=UTC))
    page.reload()
    page.wait_for_function("window.officegate && window.officegate.currentText()")

    assert page.locator("#offline").inner_text() == "オフラインです。パスはそのまま使えます"
    text = current_text(page)
    assert screen_qr_text(page) == text
    assert code_of(text) == expected_code(issued.secret, moment)
    decision = verify(text, keys=issued.keys, revoked=(), door=GATE, now=moment)
    assert decision.reason is Reason.ACCEPTED, decision.detail
    page.screenshot(path=str(shots / "pass-offline-ja.png"))

    page.locator("#lang-toggle").click()
    assert page.locator("#offline").inner_text() == "You're offline — your pass still works"


def test_first_open_without_signal_says_so_and_retries(site: PassSite, phone) -> None:
    page = phone(locale="en-US").new_page()
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{site.url}/p/tok-1")
    page.locator("#error").wait_for()
    assert page.locator("#error-primary").inner_text().startswith("Couldn't load your pass")
    assert page.evaluate("window.officegate.currentText()") is None

    page.unroute("**/api/**")  # signal is back
    page.locator("#retry").click()
    page.wait_for_function("window.officegate.currentText()")
    assert shown_matches_current(page)
