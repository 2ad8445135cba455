"""Fixtures for the drink tests: a real server (bridge + vending link) on the session's real
broker and database, real vending edges with gpiozero mock pins, real passes and QR frames."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import pytest
from fastapi.testclient import TestClient
from support.mqtt import forget_sessions, publish
from support.office import (
    ADMIN,
    HOST,
    VISITOR_PHONE,
    as_visitor_phone,
    bearer,
    build_office,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    server_settings,
)
from support.polling import wait_until

from officegate.edge.config import EdgeConfig, VendingPinsConfig
from officegate.edge.decoders import make_decoder
from officegate.edge.vending import VendingMachine, VendingPins, build_machine
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.vending import SimVendingBoard
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.mqtt import BrokerAddress
from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent
from officegate.protocol.vending import Product, VendEvent
from officegate.server.app import create_app
from officegate.server.journey import JourneyEvent

__all__ = ["wait_until"]  # the tests import it from here

MENU = [Product(0, "green-tea", "Green tea", "緑茶", 5),
        Product(1, "coffee", "Black coffee", "ブラックコーヒー", 5),
        Product(2, "water", "Water", "お水", 5)]


@dataclass
class Office:
    """A site with a lobby gate, two vending machines in the lobby, an admin and a host."""

    client: TestClient
    broker: BrokerAddress
    site: str
    gate: str
    machines: tuple[str, str]
    tmp: Path
    admin: dict[str, str] = field(default_factory=dict)
    host: dict[str, str] = field(default_factory=dict)
    journey: list[JourneyEvent] = field(default_factory=list)
    edges: list[tuple[VendingMachine, SimVendingBoard]] = field(default_factory=list)
    client_ids: list[str] = field(default_factory=list)
    skew: float = 0.0  # moved by later(): the machines' and phones' clocks run ahead

    def now(self) -> float:
        """The time on the machines and phones."""
        return time.time() + self.skew

    def later(self, seconds: float) -> None:
        """Let ``seconds`` pass for machines and phones (a new rotating code, a new visit
        to the machine), without the test waiting for them."""
        self.skew += seconds

    def machine(self, name: str, *, cans: dict[int, int] | None = None,
                jammed: set[int] | None = None, online: bool = True,
                products: list[Product] | None = None,
                pins: VendingPinsConfig | None = None) -> tuple[VendingMachine, SimVendingBoard]:
        """Start the real vending edge ``name`` (data kept in tmp/name across restarts)."""
        pins = pins or VendingPinsConfig()
        board = SimVendingBoard(VendingPins.from_config(pins),
                                cans=dict(cans or {0: 5, 1: 5, 2: 5}), jammed=jammed or set())
        config = EdgeConfig(device=name, site=self.site, kind="vending", zone="lobby",
                            mqtt_url=self.broker.url(with_password=True) if online else None,
                            data_dir=self.tmp / name, camera="sim", vending_pins=pins)
        edge = build_machine(config, products=products or MENU, decoder=make_decoder("zxing"),
                             pin_factory=board.factory, vend_timeout_s=0.3,
                             clock=self.now)
        edge.start()
        self.edges.append((edge, board))
        if online:
            assert edge.link is not None
            self.client_ids.append(name)
            wait_until(lambda: edge.verifier.keys.keys and edge.verifier.config is not None)
            wait_until(lambda: any(m["machine"] == name and m["slots"] for m in self.client.get(
                "/api/vending/machines", headers=self.admin).json()))  # stock reached server
        return edge, board

    def invite(self, name: str = "田中 愛子 Aiko Tanaka") -> tuple[str, SimulatedVisitor, int]:
        """The host invites a visitor who opens the pass: (link token, phone, visit id)."""
        start = datetime.now(UTC) + timedelta(minutes=5)
        r = self.client.post("/api/visits", headers=self.host, json={
            "visitor_name": name, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": ["lobby"]})
        assert r.status_code == 201, r.text
        made = r.json()
        token = made["pass_url"].rsplit("/p/", 1)[1]
        opened = self.client.post(f"/api/p/{token}/open",
                                  json={"device_id": VISITOR_PHONE}).json()
        phone = SimulatedVisitor(base45.b45decode(opened["cose_b45"]),
                                 base64.b64decode(opened["code_secret"]), self.now)
        return token, phone, int(made["visit_id"])

    def pass_gate(self, visit_id: int, pass_id: str | None = None) -> None:
        """The lobby gate reports an accepted pass, exactly as a gate agent does."""
        event = AccessEvent(id=uuid.uuid4().hex, device=self.gate, site=self.site,
                            at=time.time(), reason="accepted", pass_id=pass_id,
                            visit_id=visit_id, subject=None, kid=None, latency_ms=5.0,
                            detail="test gate")
        publish(self.broker, topics.device_events(self.gate), [event.to_json()])

    def drink(self, token: str) -> dict[str, Any]:
        """What the pass page shows about the drink."""
        r = self.client.get(f"/api/p/{token}/drink")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def kinds(self, visit_id: int) -> list[str]:
        """The drink journey events published for a visit, in order."""
        return [e.kind for e in self.journey if e.visit_id == visit_id]


def show(edge: VendingMachine, screen: Callable[[], Any] | None, frames: int = 6,
         ) -> list[VendEvent]:
    """Hold a phone screen up to the machine's camera for ``frames`` frames."""
    camera = SimulatedCamera(seed=3)
    camera.show(screen)
    events: list[VendEvent] = []
    for _ in range(frames):
        frame = camera.read()
        assert frame is not None
        events.extend(edge.step(frame))
    return events


@pytest.fixture
def office(tmp_path: Path, database_url: str, mqtt_broker: BrokerAddress,
           topic_prefix: str) -> Iterator[Office]:
    """A running server with a lobby gate and two registered vending machines."""
    site = f"v{topic_prefix}"
    settings = server_settings(tmp_path, database_url, site, site_name="Drink Tower")
    gate, machines = f"gate-{topic_prefix}", (f"vend-a-{topic_prefix}", f"vend-b-{topic_prefix}")
    build_office(settings, people=[ADMIN, HOST], devices=[
        (gate, "gate", "lobby"), *((name, "vending", "lobby") for name in machines)])
    app = create_app(settings, broker=mqtt_broker)
    with TestClient(app) as client:
        as_visitor_phone(client)
        o = Office(client=client, broker=mqtt_broker, site=site, gate=gate, machines=machines,
                   tmp=tmp_path, client_ids=[f"og-test-{site}", f"og-test-{site}-vending"])
        app.state.officegate.journey.subscribe("*", lambda e: o.journey.append(e)
                                               if e.kind.startswith("drink") else None)
        o.admin, o.host = bearer(client, "admin@example.com"), bearer(client, "host@example.com")
        for label, name in zip(("1F lobby machine", "2F machine"), machines, strict=True):
            r = client.post("/api/vending/machines", headers=o.admin,
                            json={"device": name, "label_en": label, "label_ja": "自販機"})
            assert r.status_code == 201, r.text
        try:
            yield o
        finally:
            for edge, board in o.edges:
                edge.close()
                board.close()
    forget_sessions(mqtt_broker, o.client_ids)  # a shared broker keeps none of them
