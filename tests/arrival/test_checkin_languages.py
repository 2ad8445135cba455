"""The lobby check-in page speaks one language, from the catalogs: the one the visitor chose
on their pass page (this phone), else the phone's own (Japanese, English or Chinese)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.receivers import serving_app

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.settings import Settings

from .conftest import Office

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
NO_PASS = {"ja": "この端末にパスがありません。",
           "en": "There is no pass on this phone.",
           "zh_CN": "此手机上没有通行证。"}
TITLE = {"ja": "チェックイン", "en": "Check in", "zh_CN": "签到"}
JAPANESE = re.compile(r"[\u3040-\u30ff]")  # kana: Japanese and only Japanese


@pytest.fixture
def base_url(settings: Settings, office: Office, mqtt_broker: BrokerAddress) -> Iterator[str]:
    with serving_app(create_app(settings, broker=mqtt_broker)) as url:
        yield url


def test_the_check_in_page_speaks_the_visitors_one_language(
        playwright: Any, base_url: str, office: Office, tmp_path: Path) -> None:
    folder = Path(os.environ.get("OFFICEGATE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        for width in (390, 1280):
            for lang, locale in (("ja", "ja-JP"), ("en", "en-US"), ("zh_CN", "zh-CN")):
                context = browser.new_context(viewport={"width": width, "height": 800},
                                              locale=locale)
                page = context.new_page()
                page.goto(f"{base_url}/c/{office.site}?d=2026-01-01&k=AAAA")
                page.wait_for_function(
                    f"document.querySelector('#primary').textContent.includes({NO_PASS[lang]!r})")
                assert page.inner_text("h1") == TITLE[lang]
                assert page.title() == TITLE[lang]
                shown = page.inner_text("body")
                if lang != "ja":
                    assert not JAPANESE.search(shown), shown
                else:
                    assert "There is" not in shown and "Check in" not in shown
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(folder / f"checkin-{width}-{lang}.png"), full_page=True)
                context.close()
        # The language chosen on the pass page wins over the phone's.
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        page.goto(f"{base_url}/static/icon.svg")
        page.evaluate("localStorage.setItem('og.lang', 'zh_CN')")
        page.goto(f"{base_url}/c/{office.site}?d=2026-01-01&k=AAAA")
        page.wait_for_function(
            f"document.querySelector('#primary').textContent.includes({NO_PASS['zh_CN']!r})")
        assert page.inner_text("h1") == TITLE["zh_CN"]
        assert page.evaluate("document.documentElement.lang") == "zh-Hans"
        context.close()
    finally:
        browser.close()
