"""The free drink: pass QR at the machine -> vend motor on, and gate event -> drink offer.

    python benchmarks/vending.py           # 200 serves per mode, 40 offers
    python benchmarks/vending.py --quick   # 40 serves per mode, 10 offers

1. **Frame -> vend output energised** (edge only). The real vending edge (zxing-cpp decoder,
   offline verifier with an EdDSA keyset, SQLite outbox, gpiozero Dispenser and buttons) runs
   on the simulated vending board's gpiozero mock pins, which note a ``perf_counter`` stamp when
   a slot's motor output goes high. For each of N distinct valid visitor passes the machine
   holds an order (as the server sends it); one simulated 640x480 frame of the phone (steady
   hand, rendered beforehand) is handed to ``machine.step()``; latency = motor pin rising edge
   - the ``perf_counter`` just before ``step()``. It covers decode + COSE/EdDSA verify + TOTP
   check + replay guard + finding the held order + motor on. The whole step adds the drop
   sensor's answer (immediate on the simulated board), the vend event's and the stock report's
   fsync'd writes. Two modes: **offline** (no broker at all, as after a network cut) and
   **online** (linked to an embedded MQTT broker, so every vend and stock report is also
   published while the next visitors come).

2. **Gate event -> drink offer** (server side). The real stack in one process (embedded broker,
   FastAPI over HTTP with uvicorn, SQLite in a temp dir; ``MQTT_URL`` / ``DATABASE_URL`` for
   Mosquitto and PostgreSQL) with a vending machine in the lobby (a real vending edge that
   reported its stock). Each of N visitors opened the pass and allowed notifications (a Web
   Push subscription at a local receiver playing the push service). The clock starts just
   before the gate's accepted access event is published on the gate's MQTT events topic, as a
   gate agent does; it stops (a) when ``GET /api/p/{token}/drink``, which the pass page polls,
   first answers with the offer and a menu (polled every 5 ms), and (b) when the push service
   has read the encrypted, VAPID-signed push. The pass page itself asks every 10 s and at once
   when it comes to the foreground (e.g. from the push), so on a phone add up to that poll.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NOW, machine, make_site, save, stats_ms, visitors  # noqa: E402
from arrival_push import Receiver, _subscription  # noqa: E402

from officegate.edge.config import EdgeConfig  # noqa: E402
from officegate.edge.decoders import make_decoder  # noqa: E402
from officegate.edge.vending import VendingMachine, build_machine  # noqa: E402
from officegate.firmware_sim.camera import EASY, render_frame  # noqa: E402
from officegate.firmware_sim.vending import SimVendingBoard  # noqa: E402
from officegate.protocol import PassClaims  # noqa: E402
from officegate.protocol.cose import decode_sign1, loads_exact  # noqa: E402
from officegate.protocol.messages import DeviceConfig, Revocations  # noqa: E402
from officegate.protocol.vending import DrinkOrder, Product  # noqa: E402

MENU = [Product(0, "green-tea", "Green tea", "緑茶", 10_000),
        Product(1, "coffee", "Black coffee", "ブラックコーヒー", 10_000),
        Product(2, "water", "Mineral water", "ミネラルウォーター", 10_000)]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def serve_latency(count: int, seed: int, broker_url: str | None) -> dict[str, Any]:
    """Frame -> motor on for ``count`` distinct passes with held orders."""
    clock = Clock()
    key, keys = make_site()
    people = visitors(key, count, clock)
    rng = np.random.default_rng(seed)
    frames = [[render_frame(p.screen(), rng, EASY) for _ in range(3)] for p in people]
    motor, whole, missed, outcomes = [], [], 0, []
    with tempfile.TemporaryDirectory() as tmp:
        board = SimVendingBoard(cans={p.slot: p.count for p in MENU})
        config = EdgeConfig(device="vend-1", site="hq", kind="vending", zone="lobby",
                            mqtt_url=broker_url, data_dir=Path(tmp), camera="sim")
        edge: VendingMachine = build_machine(config, products=MENU,
                                             decoder=make_decoder("zxing"),
                                             pin_factory=board.factory, clock=clock)
        edge.verifier.update_keys(keys)
        edge.verifier.update_revocations(Revocations("hq", 1, ()))
        edge.verifier.update_config(DeviceConfig("vend-1", "hq", "vending", "lobby", 1500,
                                                 False, 10, "normal", 1))
        edge.start()
        if edge.link is not None and not edge.link.connected.wait(20):
            raise SystemExit("the vending edge could not reach the broker")
        for n, person in enumerate(people):
            claims = PassClaims.from_cbor_map(loads_exact(decode_sign1(person.cose).payload))
            edge.hold_order(DrinkOrder(order_id=uuid.uuid4().hex, machine="vend-1",
                                       pass_id=claims.pass_id_hex, visit_id=claims.visit_id or 0,
                                       slot=n % 3, product=MENU[n % 3].product,
                                       name_en="x", name_ja="x", expires=NOW + 1800))
            started = len(board.motor_starts)
            events = []
            for frame in frames[n]:
                start = time.perf_counter()
                events = edge.step(frame)
                end = time.perf_counter()
                if events:
                    break
            outcomes.extend(e.outcome for e in events)
            if len(board.motor_starts) != started + 1:
                missed += 1
                continue
            motor.append(board.motor_starts[-1][1] - start)
            whole.append(end - start)
        if edge.link is not None:  # let the link deliver what it queued, for a fair count
            deadline = time.monotonic() + 30
            while len(edge.outbox) and time.monotonic() < deadline:
                time.sleep(0.05)
        left = len(edge.outbox)
        edge.close()
        board.close()
    return {"serves": count, "frame_to_motor_ms": stats_ms(motor),
            "whole_step_ms": stats_ms(whole), "missed_passes": missed,
            "served": outcomes.count("served"), "drops": board.served(),
            "undelivered_events_at_end": left}


def offer_latency(count: int) -> dict[str, Any]:
    """Gate event published -> offer answered by the pass page's API / push received."""
    from officegate.demo.stack import Account, Stack, wait_for
    from officegate.mqtt import make_client
    from officegate.mqtt.client import parse_mqtt_url
    from officegate.protocol import topics
    from officegate.protocol.messages import AccessEvent

    mqtt_url = os.environ.get("MQTT_URL")
    stack = Stack(data_dir=Path(tempfile.mkdtemp(prefix="og-bench-vending-")),
                  broker=parse_mqtt_url(mqtt_url) if mqtt_url else None,
                  database_url=os.environ.get("DATABASE_URL"), site="hq")
    admin = Account("admin@bench.test", secrets.token_urlsafe(12), "admin", "Bench Admin")
    host = Account("host@bench.test", secrets.token_urlsafe(12), "host", "Bench Host")
    stack.start(accounts=[admin, host], gates=[("gate-1", "lobby")])
    receiver = Receiver()
    edge = board = publisher = None
    visible, pushed = [], []
    try:
        http = stack.http
        staff = {"Authorization": f"Bearer {stack.token('admin')}"}
        http.post("/api/devices", headers=staff, json={"name": "vend-1", "kind": "vending",
                                                       "zone": "lobby"}).raise_for_status()
        http.post("/api/vending/machines", headers=staff, json={
            "device": "vend-1", "label_en": "Lobby machine",
            "label_ja": "ロビーの自動販売機"}).raise_for_status()
        assert stack.broker is not None
        board = SimVendingBoard(cans={p.slot: p.count for p in MENU})
        edge = build_machine(EdgeConfig(device="vend-1", site="hq", kind="vending",
                                        zone="lobby",
                                        mqtt_url=stack.broker.url(with_password=True),
                                        data_dir=stack.data_dir / "vend-1", camera="sim"),
                             products=MENU, decoder=make_decoder("zxing"),
                             pin_factory=board.factory)
        edge.start()
        wait_for("the stock report", lambda: any(m["slots"] for m in http.get(
            "/api/vending/machines", headers=staff).json()), timeout=30)
        publisher = make_client(client_id=f"og-bench-gate-{secrets.token_hex(4)}",
                                broker=stack.broker, clean_session=True)
        publisher.connect(stack.broker.host, stack.broker.port, 30)
        publisher.loop_start()
        hosting = stack.token("host")
        for n in range(count):
            visit = stack.invite(host_token=hosting, visitor_name=f"Guest {n}", zones=["lobby"])
            token = visit["pass_url"].rsplit("/", 1)[-1]
            phone = secrets.token_hex(16)
            http.post(f"/api/p/{token}/open", json={"device_id": phone}).raise_for_status()
            http.post(f"/api/p/{token}/push-subscription", json={
                "device_id": phone, "subscription": _subscription(receiver.port)},
            ).raise_for_status()
            event = AccessEvent(id=uuid.uuid4().hex, device="gate-1", site="hq",
                                at=time.time(), reason="accepted", pass_id=None,
                                visit_id=int(visit["visit_id"]), subject=None, kid=None,
                                latency_ms=2.0, detail="benchmark gate")
            start = time.perf_counter()
            publisher.publish(topics.device_events("gate-1"), event.to_json(), qos=1)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                status = http.get(f"/api/p/{token}/drink").json()
                if status["offered"] and status["machines"]:
                    visible.append(time.perf_counter() - start)
                    break
                time.sleep(0.005)
            else:
                raise SystemExit(f"no offer for visitor {n}")
            pushed.append(receiver.wait("push", n + 1) - start)
    finally:
        if publisher is not None:
            publisher.disconnect()
            publisher.loop_stop()
        if edge is not None:
            edge.close()
        if board is not None:
            board.close()
        stack.stop()
    return {"visitors": count, "gate_event_to_offer_on_pass_api_ms": stats_ms(visible),
            "gate_event_to_web_push_ms": stats_ms(pushed),
            "database": "DATABASE_URL" if stack.database_url else "SQLite",
            "broker": "MQTT_URL" if mqtt_url else "embedded amqtt"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serves", type=int, default=200, help="distinct passes per mode")
    parser.add_argument("--offers", type=int, default=40, help="visitors offered a drink")
    parser.add_argument("--seed", type=int, default=2026, help="camera RNG seed")
    parser.add_argument("--quick", action="store_true", help="40 serves, 10 offers")
    args = parser.parse_args()
    serves, offers = (40, 10) if args.quick else (args.serves, args.offers)

    print(f"frame -> vend motor, offline (no broker), {serves} passes ...", flush=True)
    offline = serve_latency(serves, args.seed, None)
    print(f"frame -> vend motor, online (embedded broker), {serves} passes ...", flush=True)
    from officegate.server.broker import EmbeddedBroker

    with EmbeddedBroker() as broker:
        online = serve_latency(serves, args.seed, broker.address.url(with_password=True))
    print(f"gate event -> drink offer, {offers} visitors ...", flush=True)
    offer = offer_latency(offers)
    result = {"benchmark": "vending", "seed": args.seed, "decoder": "zxing",
              "machine": machine(), "serve_offline": offline, "serve_online": online,
              "offer": offer}
    print("\nframe handed to the vending edge -> slot motor energised (order held, mock pins):")
    for name, r in (("offline, no broker", offline), ("online, embedded broker", online)):
        m, w = r["frame_to_motor_ms"], r["whole_step_ms"]
        print(f"  {name:24} p50 {m['p50']:6.2f} ms  p99 {m['p99']:6.2f} ms  max {m['max']:6.2f}"
              f" | whole step p50 {w['p50']:6.2f} p99 {w['p99']:6.2f} ms | served {r['served']}"
              f"/{r['serves']}, drops {r['drops']}, missed {r['missed_passes']}")
    print("gate event published -> drink offer:")
    for name in ("gate_event_to_offer_on_pass_api_ms", "gate_event_to_web_push_ms"):
        s = offer[name]
        print(f"  {name:36} p50 {s['p50']:7.1f} ms  p99 {s['p99']:7.1f} ms  max {s['max']:7.1f}"
              f"  (n={s['n']})")
    print(f"saved {save('vending', result)}")


if __name__ == "__main__":
    main()
