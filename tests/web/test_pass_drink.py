"""The free drink on the pass page (drink.js) in chromium, against the real server and a real
vending edge: the offer appears after the gate, the visitor picks a drink, the order is
confirmed, the QR on the phone's screen is shown to the machine's camera, and the page says
the drink was served. Screenshots in Japanese and English land in /tmp/og-shots/."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from passsite import ServerThread
from support.browser import wait_for_js
from support.mqtt import forget_sessions

from officegate.edge.config import EdgeConfig
from officegate.edge.decoders import make_decoder
from officegate.edge.vending import VendingMachine, build_machine
from officegate.firmware_sim.vending import SimVendingBoard
from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent
from officegate.protocol.vending import Product

pytestmark = pytest.mark.browser
server_app = pytest.importorskip("officegate.server.app")

PASSWORD = "correct horse battery"
WAIT_MS = 30_000  # the page polls the server; generous for a loaded CI machine
MENU = [Product(0, "green-tea", "Green tea", "緑茶", 5),
        Product(1, "coffee", "Black coffee", "ブラックコーヒー", 4),
        Product(2, "water", "Mineral water", "ミネラルウォーター", 6)]


@dataclass
class DrinkOffice:
    """A running server on the test broker and database, a lobby gate and a vending edge."""

    api: httpx.Client
    broker: BrokerAddress
    site: str
    gate: str
    machine: VendingMachine
    board: SimVendingBoard
    pass_url: str
    visit_id: int

    def pass_gate(self) -> None:
        """The lobby gate reports the visitor's accepted pass, as a gate agent does."""
        event = AccessEvent(id=uuid.uuid4().hex, device=self.gate, site=self.site,
                            at=datetime.now(UTC).timestamp(), reason="accepted", pass_id=None,
                            visit_id=self.visit_id, subject=None, kid=None, latency_ms=4.0,
                            detail="browser test gate")
        publisher = make_client(client_id=f"og-web-gate-{secrets.token_hex(4)}",
                                broker=self.broker, clean_session=True)
        publisher.connect(self.broker.host, self.broker.port, 30)
        publisher.loop_start()
        try:
            publisher.publish(topics.device_events(self.gate), event.to_json(),
                              qos=1).wait_for_publish(15)
        finally:
            publisher.disconnect()
            publisher.loop_stop()


def _wait(check, what: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen in time")


@pytest.fixture
def office(tmp_path: Path, database_url: str, mqtt_broker: BrokerAddress,
           topic_prefix: str) -> Iterator[DrinkOffice]:
    from officegate.server.auth.service import create_user
    from officegate.server.bootstrap import database_session
    from officegate.server.devices.service import create_device
    from officegate.server.settings import Settings

    site = f"wd{topic_prefix}"
    gate, vend = f"gate-{site}", f"vend-{site}"
    server = ServerThread(lifespan="on")
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, site=site,
                        site_name="Drink Tower", base_url=server.url,
                        mqtt_client_id=f"og-web-{site}", secret_key="web-drink-" + "x" * 32)
    with database_session(settings) as db:
        for email, role in (("admin@example.com", "admin"), ("host@example.com", "host")):
            create_user(db=db, email=email, password=PASSWORD, role=role, name="Hana Host")
        create_device(db=db, name=gate, kind="gate", zone="lobby", site=site)
        create_device(db=db, name=vend, kind="vending", zone="lobby", site=site)
    server.serve(server_app.create_app(settings, broker=mqtt_broker))
    board = SimVendingBoard(cans={p.slot: p.count for p in MENU})
    machine = None
    try:
        with httpx.Client(base_url=server.url, timeout=15) as api:
            def login(email: str) -> dict[str, str]:
                r = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            admin, host = login("admin@example.com"), login("host@example.com")
            r = api.post("/api/vending/machines", headers=admin, json={
                "device": vend, "label_en": "Machine by the lift",
                "label_ja": "エレベーター横の自動販売機"})
            assert r.status_code == 201, r.text
            config = EdgeConfig(device=vend, site=site, kind="vending", zone="lobby",
                                mqtt_url=mqtt_broker.url(with_password=True),
                                data_dir=tmp_path / vend, camera="sim")
            machine = build_machine(config, products=MENU, decoder=make_decoder("zxing"),
                                    pin_factory=board.factory)
            machine.start()
            _wait(lambda: machine.verifier.keys.keys and machine.verifier.config is not None,
                  "the machine getting its keys")
            _wait(lambda: any(m["slots"] for m in api.get("/api/vending/machines",
                                                          headers=admin).json()),
                  "the stock reaching the server")
            now = datetime.now(UTC)
            r = api.post("/api/visits", headers=host, json={
                "visitor_name": "田中 愛子 Aiko Tanaka",
                "starts_at": (now + timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(), "zones": ["lobby"]})
            assert r.status_code == 201, r.text
            yield DrinkOffice(api, mqtt_broker, site, gate, machine, board,
                              r.json()["pass_url"], int(r.json()["visit_id"]))
    finally:
        if machine is not None:
            machine.close()
        board.close()
        server.stop()
        forget_sessions(mqtt_broker, [vend, f"og-web-{site}", f"og-web-{site}-vending",
                                      f"og-web-{site}-rooms"])


def _card(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("#drink").inner_text())


def _shoot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot the drink card (and full page) in the current language, then in the other."""
    for _ in range(2):
        lang = page.evaluate("document.documentElement.lang")
        page.locator("#drink").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"drink-{name}-{lang}.png"))
        page.locator("#lang-toggle").click()


def test_offer_order_and_served_on_the_pass_page(office: DrinkOffice, phone,
                                                 shots: Path) -> None:
    page = phone(timezone_id="Asia/Tokyo").new_page()
    page.goto(office.pass_url)
    wait_for_js(page, "window.officegate && window.officegate.currentText()")
    assert page.locator("#drink").is_hidden()  # nothing before the gate
    gate_words = "この QR コードをゲートのカメラにかざしてください"
    assert page.locator(".instruction").inner_text() == gate_words

    office.pass_gate()
    title = page.locator("#drink .title .primary")
    title.wait_for(timeout=WAIT_MS)
    assert title.inner_text() == "お飲み物はいかがですか？"
    assert "Would you like" not in _card(page)  # one language at a time
    choices = page.locator("#drink .choice")
    assert [c.inner_text().split("\n")[0] for c in choices.all()] == [
        "緑茶", "ブラックコーヒー", "ミネラルウォーター"]
    assert "エレベーター横の自動販売機" in _card(page)
    _shoot(page, shots, "offer")
    # English now (the toggle was pressed twice: back to Japanese, then switch once more).
    page.locator("#lang-toggle").click()
    assert title.inner_text() == "Would you like a drink?"
    assert [c.inner_text().split("\n")[0] for c in choices.all()] == [
        "Green tea", "Black coffee", "Mineral water"]
    page.locator("#lang-toggle").click()

    choices.nth(1).click()  # ブラックコーヒー
    order = page.locator("#drink .order")
    order.wait_for()
    assert title.inner_text() == "無料ドリンク"  # a drink is chosen: no longer a question
    assert page.locator("#drink .order .state").inner_text() == "受け取り待ち"
    assert "ブラックコーヒー" in order.inner_text()
    assert "パスのQR" in order.inner_text() and "Show your pass QR" not in order.inner_text()
    assert page.locator("#drink .choice").count() == 0  # one free drink: no second menu
    _wait(lambda: office.machine.orders, "the order reaching the machine")
    # While the drink waits, the page sends the visitor to the machine, not the gate.
    assert page.locator(".instruction").inner_text() == (
        "この QR コードをエレベーター横の自動販売機のカメラにかざしてください")
    page.locator("#lang-toggle").click()
    assert page.locator(".instruction").inner_text() == (
        "Hold this QR code to the camera of the Machine by the lift")
    page.locator("#lang-toggle").click()
    _shoot(page, shots, "ordered")

    # The phone is held up to the machine: its camera reads the QR the page draws.
    png = page.locator("#qr").screenshot()
    frame = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    frame = cv2.copyMakeBorder(frame, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    assert [e.outcome for e in office.machine.step(frame)] == ["served"]
    assert office.board.drops == {1: 1}

    served = page.locator("#drink .order.ok")
    served.wait_for(timeout=WAIT_MS)
    assert "お飲み物をどうぞ" in served.inner_text()
    assert "Enjoy your drink" not in served.inner_text()
    assert page.locator("#drink .order .state").inner_text() == "お受け取り済み"
    assert page.locator("#drink .choice").count() == 0
    assert page.locator(".instruction").inner_text() == gate_words  # served: the gate again
    _shoot(page, shots, "served")
