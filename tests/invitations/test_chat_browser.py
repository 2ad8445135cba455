"""A chat from the pass page to the visit page and back, in Chromium: the visitor asks for a
person, the host is e-mailed a link to the visit page, opens it on the phone, sees the
visitor's next words arrive live and replies; the reply appears on the visitor's pass page.

Screenshots of the visit page with its conversation (390 and 1280 px, ja and en) go to
$OFFICEGATE_SCREENSHOTS when set."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from arrival.conftest import noon_zone
from support.polling import wait_for

from officegate.demo.stack import Account, Stack
from officegate.mqtt import BrokerAddress

from .conftest import Inbox

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
WAIT_MS = 20_000


@pytest.fixture
def stack(tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str, inbox: Inbox,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_SMTP_PORT", str(inbox.port))
    monkeypatch.setenv("OFFICEGATE_MESSAGING_QUIET_START_HOUR", "0")
    monkeypatch.setenv("OFFICEGATE_MESSAGING_QUIET_END_HOUR", "0")
    suffix = secrets.token_hex(3)
    s = Stack(data_dir=tmp_path, broker=mqtt_broker, database_url=database_url,
              site=f"c{suffix}")
    s.start(accounts=[Account("admin@c.test", "pw-" + secrets.token_hex(8), "admin", "Ada"),
                      Account("host@c.test", "pw-" + secrets.token_hex(8), "host", "Hana Host")],
            gates=[(f"gate-{suffix}", "lobby")])
    admin = {"Authorization": f"Bearer {s.token('admin')}"}
    s.http.put("/api/site/timezone", headers=admin,
               json={"timezone": noon_zone()}).raise_for_status()
    yield s
    s.stop()


def _login(page: Any, stack: Stack, role: str, next_path: str) -> None:
    page.goto(f"{stack.base_url}/login?next={next_path}")
    page.fill("input[name=email]", stack.accounts[role].email)
    page.fill("input[name=password]", stack.accounts[role].password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_visitor_asks_for_the_host_who_answers_from_the_visit_page(
        playwright: Any, stack: Stack, inbox: Inbox, tmp_path: Path) -> None:
    folder = Path(os.environ.get("OFFICEGATE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    r = stack.http.post("/api/invitations",
                        headers={"Authorization": f"Bearer {stack.token('host')}"}, json={
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "visitors": [{"name": "Aiko Tanaka", "email": "aiko@example.org",
                                          "lang": "en"}]})
    assert r.status_code == 201, r.text
    token = inbox.link_for("aiko@example.org")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        phone = browser.new_context(viewport={"width": 390, "height": 844},
                                    locale="en-US").new_page()
        phone.goto(f"{stack.base_url}/p/{token}?lang=en")
        phone.click("#og-chat .toggle")
        phone.fill("#og-chat input", "Can I talk to a person about parking?")
        phone.click("#og-chat .send")
        phone.locator("#og-chat .log").get_by_text("Hana Host").wait_for(timeout=WAIT_MS)

        # The host's e-mail names the visitor's words and links the visit page.
        mail = wait_for("the hand-off e-mail", lambda: inbox.to(stack.accounts["host"].email))
        text = mail[0].get_body(("plain",)).get_content()
        assert "about parking" in text
        found = re.search(r"https?://\S+(/host/visits/\d+)", text)
        assert found, text
        host = browser.new_context(viewport={"width": 390, "height": 844},
                                   locale="en-US").new_page()
        _login(host, stack, "host", found.group(1))
        assert host.url.endswith(found.group(1))
        # The notices page offers the same way to answer.
        host.goto(f"{stack.base_url}/host?lang=en")
        reply = host.locator(".notice.chat_handoff a.button")
        reply.wait_for(timeout=WAIT_MS)
        assert reply.inner_text() == "Reply"
        host.screenshot(path=str(folder / "notices-chat-phone-en.png"), full_page=True)
        assert host.evaluate("document.documentElement.scrollWidth") <= 390
        reply.click()
        host.wait_for_url(f"**{found.group(1)}")
        host.locator("#timeline li.incoming").get_by_text("about parking").wait_for()

        # Her next words arrive on the open visit page without a reload.
        phone.fill("#og-chat input", "I am at the north entrance")
        phone.click("#og-chat .send")
        host.locator("#timeline li.incoming").get_by_text("north entrance").wait_for(
            timeout=WAIT_MS)
        host.fill("#reply-text", "Coming down, two minutes")
        host.click("#reply button[type=submit]")
        phone.locator("#og-chat .log").get_by_text("Coming down, two minutes").wait_for(
            timeout=WAIT_MS)
        assert host.locator("#timeline li.outgoing", has_text="Coming down").count() == 1
        assert host.evaluate("document.documentElement.scrollWidth") <= 390

        for size, (width, height) in SIZES.items():
            for lang in ("ja", "en"):
                page = browser.new_context(viewport={"width": width, "height": height}
                                           ).new_page()
                _login(page, stack, "host", f"{found.group(1)}?lang={lang}")
                page.goto(f"{stack.base_url}{found.group(1)}?lang={lang}",
                          wait_until="networkidle")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, f"the visit page is {scroll}px wide at {width}px"
                page.screenshot(path=str(folder / f"visit-chat-{size}-{lang}.png"),
                                full_page=True)
                page.context.close()
    finally:
        browser.close()
