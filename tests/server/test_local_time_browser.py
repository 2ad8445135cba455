"""In a real browser set to another time zone, staff pages still read and take the office's
local time: the host books 15:00 Tokyo time from a laptop in Los Angeles."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support.system import CHROMIUM, skip_module_without_chromium

from officegate.demo.stack import Account, Stack, wait_for
from officegate.server.bootstrap import database_session
from officegate.server.meetings import service as meetings

skip_module_without_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

TOKYO = ZoneInfo("Asia/Tokyo")
SHOTS = os.environ.get("OFFICEGATE_SCREENSHOTS")  # a folder to keep the pages in, if set


@pytest.fixture
def stack(tmp_path: Path, broker: object, database_url: str) -> Iterator[Stack]:
    s = Stack(data_dir=tmp_path, broker=broker, database_url=database_url,  # type: ignore[arg-type]
              site=f"z{secrets.token_hex(3)}")
    door = f"door-{secrets.token_hex(3)}"
    s.start(accounts=[Account("host@z.test", "pw-" + secrets.token_hex(8), "host", "Hana")],
            gates=[(door, "floor-3")])
    with database_session(s.settings) as db:
        meetings.create_room(db=db, site=s.site, name="sakura", label="3F Sakura", door=door)
    yield s
    s.stop()


def _shot(page: object, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)  # type: ignore[attr-defined]


def test_a_host_abroad_books_and_reads_office_time(playwright: Any, stack: Stack) -> None:
    tomorrow = (datetime.now(TOKYO) + timedelta(days=1)).date()
    account = stack.accounts["host"]
    with nullcontext(playwright) as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            laptop = browser.new_context(timezone_id="America/Los_Angeles", locale="en-US")
            page = laptop.new_page()
            page.goto(f"{stack.base_url}/login?next=/meetings")
            page.fill("input[name=email]", account.email)
            page.fill("input[name=password]", account.password)
            page.click("button[type=submit]")
            page.wait_for_url("**/meetings")
            page.fill("#book input[name=title]", "Partner sync")
            page.fill("#book input[name=starts_at]", f"{tomorrow}T15:00")
            page.fill("#book input[name=ends_at]", f"{tomorrow}T16:00")
            page.fill("#book input[name=visitor]", "Aiko Tanaka")
            # A booking that is saved says so and reloads the page with it in the list.
            with page.expect_navigation(timeout=30_000):
                page.click("#book button[type=submit]")

            token = stack.token("host")
            booked = wait_for("the meeting", lambda: stack.http.get(
                "/api/meetings", params={"day": tomorrow.isoformat()},
                headers={"Authorization": f"Bearer {token}"}).json())
            assert datetime.fromisoformat(booked[0]["starts_at"]) == datetime(
                tomorrow.year, tomorrow.month, tomorrow.day, 15, tzinfo=TOKYO).astimezone(UTC)

            page.goto(f"{stack.base_url}/meetings?day={tomorrow}")
            row = page.locator("tbody tr").first.inner_text()
            assert "15:00–16:00" in row
            assert "(JST)" in page.locator("thead").inner_text()
            _shot(page, "meetings-la-laptop.png")
        finally:
            browser.close()
