"""What the visitor reads: Japanese and English, and a clear message when there is no pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pageutil import current_text, open_pass
from passsite import PassSite

pytestmark = pytest.mark.browser


def texts(page) -> dict[str, str]:
    return {
        "title": page.locator("h1").inner_text(),
        "instruction": page.locator(".instruction").inner_text(),
        "toggle": page.locator("#lang-toggle").inner_text(),
        "host_label": page.locator(".details dt").first.inner_text(),
        "html_lang": page.evaluate("document.documentElement.lang"),
    }


def test_toggle_switches_every_text_between_english_and_japanese(site: PassSite, phone) -> None:
    page = open_pass(phone(locale="en-US"), f"{site.url}/p/tok-1")
    assert texts(page) == {
        "title": "Visitor pass", "instruction": "Hold this QR code to the gate camera",
        "toggle": "日本語", "host_label": "Your host", "html_lang": "en",
    }
    page.locator("#lang-toggle").click()
    assert texts(page) == {
        "title": "来訪者パス", "instruction": "この QR コードをゲートのカメラにかざしてください",
        "toggle": "English", "host_label": "担当者", "html_lang": "ja",
    }
    assert page.locator("#refresh").inner_text().startswith("あと ")
    # The choice sticks on this phone, over the link's ?lang=.
    page.goto(f"{site.url}/p/tok-1?lang=en")
    page.wait_for_function("window.officegate.currentText()")
    assert texts(page)["title"] == "来訪者パス"


def test_language_defaults_to_the_link_lang(site: PassSite, phone) -> None:
    page = open_pass(phone(), f"{site.url}/p/tok-1?lang=en")
    assert texts(page)["title"] == "Visitor pass"
    site.add("tok-2")
    page = open_pass(phone(), f"{site.url}/p/tok-2")
    assert texts(page)["title"] == "来訪者パス"


BOUND = {"ja": "このリンクは別の端末ですでに開かれています。この端末ではパスを表示できません。"
               "担当者にお問い合わせください。",
         "en": "This link was already opened on another phone, so the pass can't be shown "
               "here. Please contact your host.",
         "zh_CN": "此链接已在另一部手机上打开，无法在此显示通行证。请联系您的接待人。"}


def test_forwarded_link_on_a_second_phone_says_why_in_the_visitors_language(
        site: PassSite, phone, shots: Path) -> None:
    open_pass(phone(), f"{site.url}/p/tok-1")  # the visitor's own phone binds the pass

    page = phone().new_page()
    page.goto(f"{site.url}/p/tok-1")
    error = page.locator("#error")
    error.wait_for()
    # One language at a time: the panel says it in the page's language only.
    assert error.inner_text().strip() == BOUND["ja"]
    assert page.evaluate("window.officegate.currentText()") is None
    assert not page.locator("#pass").is_visible()
    page.screenshot(path=str(shots / "pass-409-ja.png"))

    page.locator("#lang-toggle").click()
    assert error.inner_text().strip() == BOUND["en"]
    page.screenshot(path=str(shots / "pass-409-en.png"))
    page.locator("[data-lang-choice=zh_CN]").click()
    assert error.inner_text().strip() == BOUND["zh_CN"]
    page.screenshot(path=str(shots / "pass-409-zh_CN.png"))


def test_same_phone_reopens_its_pass(site: PassSite, phone) -> None:
    context = phone()
    first = current_text(open_pass(context, f"{site.url}/p/tok-1"))
    again = open_pass(context, f"{site.url}/p/tok-1")
    assert current_text(again)[12:] == first[12:]  # same signed pass, same phone id
    opens = site.passes["tok-1"].opens
    assert len(opens) == 2 and opens[0] == opens[1] and len(opens[0]) == 32


def test_revoked_pass_disappears_and_is_not_kept_for_offline(site: PassSite, phone) -> None:
    context = phone()
    open_pass(context, f"{site.url}/p/tok-1")
    site.passes["tok-1"].revoked = True

    page = context.new_page()
    page.goto(f"{site.url}/p/tok-1")
    page.locator("#error").wait_for()
    assert "取り消されました" in page.locator("#error-primary").inner_text()
    assert "cancelled" not in page.locator("#error").inner_text()
    assert page.evaluate("window.officegate.currentText()") is None
    assert page.evaluate("localStorage.getItem('og.pass.tok-1')") is None


@pytest.mark.parametrize(("token", "status", "ja", "en"), [
    ("tok-gone", 410, "この訪問は終了しました。", "This visit is over."),
    ("tok-unknown", 404, "パスが見つかりません。", "No such pass."),
])
def test_expired_or_unknown_link_gets_the_servers_reason(
        site: PassSite, phone, token: str, status: int, ja: str, en: str) -> None:
    if status == 410:
        site.add(token).gone = True
    page = phone().new_page()
    page.goto(f"{site.url}/p/{token}")
    page.locator("#error").wait_for()
    assert page.locator("#error").inner_text().strip() == ja  # the server's, one language
    page.locator("#lang-toggle").click()
    assert page.locator("#error").inner_text().strip() == en


def test_pass_past_its_end_shows_expired(site: PassSite, phone) -> None:
    issued = site.passes["tok-1"]
    issued.details["valid_until"] = "2020-01-01T00:00:00Z"
    page = phone(locale="en-US").new_page()
    page.goto(f"{site.url}/p/tok-1")
    page.locator("#error").wait_for()
    assert page.locator("#error-primary").inner_text() == "This pass has expired."
    assert page.evaluate("window.officegate.currentText()") is None


def test_server_times_without_a_zone_are_utc_on_a_tokyo_phone(site: PassSite, phone) -> None:
    # SQLite hands back naive UTC datetimes; JS alone would read them as Tokyo time and
    # think this pass, valid for another hour, expired eight hours ago.
    issued = site.passes["tok-1"]
    now = datetime.now(UTC).replace(tzinfo=None)
    issued.details["valid_until"] = (now + timedelta(hours=1)).isoformat()
    issued.details["starts_at"] = "2026-04-01T04:00:00"
    issued.details["ends_at"] = "2026-04-01T05:30:00"
    page = open_pass(phone(timezone_id="Asia/Tokyo"), f"{site.url}/p/tok-1")
    assert page.locator("#meeting-hours").inner_text() == "13:00 – 14:30"
    assert page.locator("#meeting-day").inner_text() == "4月1日(水)"
