"""The pass page shows a rotating QR that a real decoder reads and a real gate accepts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pageutil import (
    INSECURE_HOST,
    PREFIX,
    code_of,
    current_text,
    decode_png,
    expected_code,
    open_pass,
    quiet_moment,
    screen_qr_text,
)
from passsite import GATE, PassSite

from officegate.protocol import Reason, verify

pytestmark = pytest.mark.browser


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_screen_qr_is_the_rotating_pass_the_gate_accepts(site: PassSite, phone) -> None:
    moment = quiet_moment()
    context = phone()
    context.clock.set_fixed_time(at(moment))
    page = open_pass(context, f"{site.url}/p/tok-1")

    text = current_text(page)
    assert screen_qr_text(page) == text
    issued = site.passes["tok-1"]
    assert code_of(text) == expected_code(issued.secret, moment)
    assert text == PREFIX + code_of(text) + issued.open_answer()["cose_b45"]
    decision = verify(text, keys=issued.keys, revoked=(), door=GATE, now=moment)
    assert decision.reason is Reason.ACCEPTED, decision.detail


def test_qr_is_level_m_with_a_quiet_zone(site: PassSite, phone) -> None:
    page = open_pass(phone(), f"{site.url}/p/tok-1")
    found = decode_png(page.locator("#qr").screenshot())
    assert [b.ec_level for b in found] == ["M"]
    version = int(found[0].extra["Version"])
    assert version <= 10  # a low version keeps modules big enough for a gate camera
    # The canvas holds a white margin of 4 modules around the symbol (the QR quiet zone).
    pos = found[0].position
    module_px = (pos.top_right.x - pos.top_left.x + 1) / (17 + 4 * version)
    assert pos.top_left.x / module_px >= 3.5 and pos.top_left.y / module_px >= 3.5


def test_code_changes_on_the_period_boundary(site: PassSite, phone) -> None:
    moment = quiet_moment()
    context = phone()
    context.clock.set_fixed_time(at(moment))
    page = open_pass(context, f"{site.url}/p/tok-1")
    first = current_text(page)
    assert page.locator("#refresh").inner_text().startswith("あと 7 秒")

    context.clock.set_fixed_time(at(moment + 10))
    page.wait_for_function("t => window.officegate.currentText() !== t", arg=first)
    second = current_text(page)
    secret = site.passes["tok-1"].secret
    assert code_of(second) == expected_code(secret, moment + 10) != code_of(first)
    assert screen_qr_text(page) == second
    # An old screenshot of the first code is refused at the gate two periods later.
    keys = site.passes["tok-1"].keys
    old = verify(first, keys=keys, revoked=(), door=GATE, now=moment + 20)
    assert old.reason is Reason.STALE_CODE


def test_real_clock_code_matches_python(site: PassSite, phone) -> None:
    page = open_pass(phone(), f"{site.url}/p/tok-1")
    secret = site.passes["tok-1"].secret
    for _ in range(8):  # read again if a period boundary is near: the page redraws the code
        before = time.time()  # on its own timer, a moment after the boundary
        text = current_text(page)
        after = time.time()
        if int(before // 10) == int(after // 10) and 1.5 < before % 10 < 9.5:
            break
        time.sleep(0.6)
    assert code_of(text) == expected_code(secret, before)


def test_plain_http_on_a_lan_name_uses_the_js_fallback(site: PassSite, phone) -> None:
    moment = quiet_moment()
    context = phone()
    context.clock.set_fixed_time(at(moment))
    page = open_pass(context, f"http://{INSECURE_HOST}:{site.port}/p/tok-1")
    assert page.evaluate("window.isSecureContext") is False
    assert page.evaluate("OfficeGateTotp.hasSubtle()") is False
    text = current_text(page)
    assert screen_qr_text(page) == text
    assert code_of(text) == expected_code(site.passes["tok-1"].secret, moment)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_screenshots_read_in_light_and_dark(site: PassSite, phone, shots: Path,
                                            scheme: str, lang: str) -> None:
    context = phone(color_scheme=scheme)
    context.clock.set_fixed_time(at(quiet_moment()))
    page = open_pass(context, f"{site.url}/p/tok-1?lang={lang}")
    page.wait_for_function("document.fonts.status === 'loaded'")
    png = page.screenshot(full_page=True, path=str(shots / f"pass-{lang}-{scheme}.png"))
    found = decode_png(png)
    assert [b.text for b in found] == [current_text(page)]
    card = "getComputedStyle(document.querySelector('.qr-card')).backgroundColor"
    background = page.evaluate(card)
    assert background == "rgb(255, 255, 255)"


@pytest.mark.parametrize(("lang", "kept", "notice"), [
    ("ja", "保存されている私の情報（確認・ダウンロード・削除）", "個人情報の取り扱い"),
    ("en", "My data (see, download, erase)", "Privacy notice")])
def test_the_pass_page_links_the_visitors_data_and_the_notice(
        site: PassSite, phone, lang: str, kept: str, notice: str) -> None:
    page = open_pass(phone(), f"{site.url}/p/tok-1?lang={lang}")
    mine, policy = page.locator("#privacy-kept"), page.locator("#privacy-notice")
    assert mine.inner_text() == kept and policy.inner_text() == notice
    assert mine.get_attribute("href") == f"/p/tok-1/privacy?lang={lang}"
    assert policy.get_attribute("href") == f"/privacy?lang={lang}"
