"""The whole journey with a real browser: the host invites, the pass page opens in Chromium,
its rotating QR (as the phone screen shows it) is held to the gate camera, the gate opens, and
the server's access log has the event. Skips where Debian's chromium is absent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from support.browser import wait_for_js
from support.system import CHROMIUM, skip_module_without_chromium

from officegate.demo.stack import Account, Stack, wait_for
from officegate.mqtt.client import BrokerAddress
from officegate.protocol import Reason

pytestmark = pytest.mark.browser
skip_module_without_chromium()
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def stack(tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str) -> Iterator[Stack]:
    suffix = uuid.uuid4().hex[:6]
    running = Stack(data_dir=tmp_path, broker=mqtt_broker, database_url=database_url,
                    site=f"e2e{suffix}")
    running.start(
        accounts=[Account("host@e2e.test", "correct horse battery", "host", "Hana Host"),
                  Account("staff@e2e.test", "staff staple battery", "staff", "Sam Staff")],
        gates=[(f"gate-{suffix}", "lobby")],
    )
    running.gate_name = f"gate-{suffix}"  # type: ignore[attr-defined]
    yield running
    running.stop()


def test_pass_page_qr_in_a_real_browser_opens_the_gate(playwright: Any, stack: Stack,
                                                       tmp_path: Path) -> None:
    gate = stack.gate_name  # type: ignore[attr-defined]
    invitation = stack.invite(host_token=stack.token("host"), visitor_name="Aiko Tanaka",
                              zones=["lobby"], room="3F Sakura")
    stack.add_gate(gate, "lobby")
    _agent, board, _camera = stack.gates[gate]

    with nullcontext(playwright) as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        phone = browser.new_context(viewport={"width": 390, "height": 844},
                                    device_scale_factor=2, is_mobile=True, has_touch=True)
        page = phone.new_page()
        page.goto(invitation["pass_url"])
        wait_for_js(page, "() => window.officegate && window.officegate.currentText()")
        # Held close to the gate camera, the QR card fills most of the picture.
        shot = page.locator(".qr-card").screenshot()
        shown_text = page.evaluate("() => window.officegate.currentText()")
        browser.close()
    (tmp_path / "phone.png").write_bytes(shot)
    screen = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)

    decisions = stack.show_to_gate(gate, lambda: screen, frames=20)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]
    assert len(board.relay_openings()) == 1
    assert decisions[0].claims is not None
    assert decisions[0].claims.visit_id == invitation["visit_id"]
    assert shown_text.startswith("OG1R")
    staff = stack.token("staff")
    events = wait_for("the event in the server's access log",
                      lambda: [e for e in stack.access_events(staff) if e["device"] == gate])
    assert [e["reason"] for e in events] == ["accepted"]
    assert events[0]["visitor_name"] == "Aiko Tanaka"
