"""The chat a QR or link opens (/chat/{entry}) in Chromium on a phone: one language, the bot
answers, the chat is still there after a reload; no horizontal scrolling at 390 px."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from passsite import ServerThread
from support.browser import wait_for_js

pytestmark = pytest.mark.browser
server_app = pytest.importorskip("officegate.server.app")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    from officegate.server.settings import Settings

    server = ServerThread(lifespan="on")
    site = f"c{secrets.token_hex(4)}"
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'og.db'}",
                        site=site, site_name="Test Tower", base_url=server.url,
                        mqtt_client_id=f"og-chat-test-{site}", secret_key="chat-test-" + "x" * 32)
    server.serve(server_app.create_app(settings))
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("lang, title, question, answer", [
    ("zh_CN", "在线咨询", "Wi-Fi password?", "SSID"),
    ("ja", "チャットでお問い合わせ", "Wi-Fiのパスワードは？", "SSID"),
    ("en", "Chat with us", "Is there parking?", "parking"),
])
def test_a_visitor_chats_from_the_poster_qr(server: ServerThread, phone, shots: Path,
                                            lang: str, title: str, question: str,
                                            answer: str) -> None:
    page = phone().new_page()
    page.goto(f"{server.url}/chat/lobby?lang={lang}")
    assert page.locator("h1").inner_text() == title
    page.locator("#og-chat input").wait_for()
    page.locator("#og-chat input").fill(question)
    page.locator("#og-chat button.send").click()
    wait_for_js(page, "document.querySelectorAll('#og-chat .msg.outgoing').length > 0")
    assert answer.lower() in page.locator("#og-chat .msg.outgoing").last.inner_text().lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(full_page=True, path=str(shots / f"entry-chat-{lang}.png"))
    # The same phone comes back: the same chat, not a new one.
    page.reload()
    wait_for_js(page, "document.querySelectorAll('#og-chat .msg.incoming').length > 0")
    assert question in page.locator("#og-chat .msg.incoming").first.inner_text()
