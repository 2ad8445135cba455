"""Geofence crossing -> host notification leaving the server.

    python benchmarks/arrival_push.py           # 40 visitors
    python benchmarks/arrival_push.py --quick   # 10 visitors

How it is measured: the real stack in one process (embedded broker, FastAPI server over real
HTTP with uvicorn, SQLite in a temp dir; ``MQTT_URL`` / ``DATABASE_URL`` to use Mosquitto and
PostgreSQL). The host has two notification targets, both local HTTP receivers: an apprise
``json://`` webhook and a Web Push subscription (the receiver plays the push service; the
payload is encrypted with aes128gcm and VAPID-signed, as for a real browser). For each of N
invited visitors who consented, one fix 2.5 km out is sent first; then the clock starts
(``perf_counter``) just before the pass page's POST of the fix that crosses into the
approaching ring, and stops when each receiver has read the notice's request body.
So the figure covers: HTTP in, fix check, geofence decision, commit, journey event, notice
stored and committed, apprise / pywebpush (encryption + VAPID JWT) and the HTTP delivery.
Goal: p99 under 1 s.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, save, stats_ms  # noqa: E402

from officegate.demo.stack import Account, Stack  # noqa: E402

OFFICE = (35.681236, 139.767125)


class Receiver:
    """Records when each request's body was read, by path."""

    def __init__(self) -> None:
        self.seen: dict[str, list[float]] = {}
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                at = time.perf_counter()
                with receiver.cond:
                    receiver.seen.setdefault(self.path.split("/")[1], []).append(at)
                    receiver.cond.notify_all()
                self.send_response(201)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, channel: str, count: int, timeout: float = 15.0) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.seen.get(channel, [])) < count:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{channel}: no notice")
                self.cond.wait(0.05)
            return self.seen[channel][count - 1]


def _subscription(port: int) -> dict[str, Any]:
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.public_key().public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
    return {"endpoint": f"http://127.0.0.1:{port}/push/bench",
            "keys": {"p256dh": b64(raw), "auth": b64(os.urandom(16))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    count = 10 if parser.parse_args().quick else 40
    import os

    from officegate.mqtt.client import parse_mqtt_url

    mqtt_url = os.environ.get("MQTT_URL")
    stack = Stack(data_dir=Path(tempfile.mkdtemp(prefix="og-bench-arrival-")),
                  broker=parse_mqtt_url(mqtt_url) if mqtt_url else None,
                  database_url=os.environ.get("DATABASE_URL"), site="hq")
    admin = Account("admin@bench.test", secrets.token_urlsafe(12), "admin", "Bench Admin")
    host = Account("host@bench.test", secrets.token_urlsafe(12), "host", "Bench Host")
    stack.start(accounts=[admin, host], gates=[("gate-1", "lobby")])
    receiver = Receiver()
    try:
        http = stack.http
        staff = {"Authorization": f"Bearer {stack.token('admin')}"}
        hosting = {"Authorization": f"Bearer {stack.token('host')}"}
        http.put("/api/sites/hq/arrival", headers=staff, json={
            "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 80, "approach_m": 1500,
            "timezone": "UTC"}).raise_for_status()
        http.post("/api/notify/targets", headers=hosting, json={
            "kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/hook"}).raise_for_status()
        http.post("/api/notify/targets", headers=hosting, json={
            "kind": "webpush", "subscription": _subscription(receiver.port)}).raise_for_status()
        webhook, push, answered = [], [], []
        for n in range(count):
            visit = stack.invite(host_token=stack.token("host"), visitor_name=f"Guest {n}",
                                 zones=["lobby"])
            token = visit["pass_url"].rsplit("/", 1)[-1]
            stack.open_pass(visit["pass_url"])
            http.post(f"/api/p/{token}/arrival/consent").raise_for_status()
            now = time.time()
            http.post(f"/api/p/{token}/location", json={
                "lat": OFFICE[0] + 2500 / 111_195, "lon": OFFICE[1], "acc": 15,
                "at": now - 60}).raise_for_status()
            start = time.perf_counter()
            r = http.post(f"/api/p/{token}/location", json={
                "lat": OFFICE[0] + 1000 / 111_195, "lon": OFFICE[1], "acc": 15, "at": now})
            answered.append(time.perf_counter() - start)
            assert r.json()["approached"], r.text
            webhook.append(receiver.wait("hook", n + 1) - start)
            push.append(receiver.wait("push", n + 1) - start)
    finally:
        stack.stop()
    result = {"benchmark": "arrival_push", "visitors": count,
              "crossing_to_webhook_ms": stats_ms(webhook),
              "crossing_to_web_push_ms": stats_ms(push),
              "location_request_ms": stats_ms(answered),
              "database": "DATABASE_URL" if stack.database_url else "SQLite",
              "machine": machine()}
    path = save("arrival_push", result)
    for name in ("crossing_to_webhook_ms", "crossing_to_web_push_ms", "location_request_ms"):
        s = result[name]
        print(f"{name:26} p50 {s['p50']:7.1f}  p99 {s['p99']:7.1f}  max {s['max']:7.1f}  "
              f"(n={s['n']})")
    print(f"goal: crossing -> notification leaving the server p99 < 1000 ms; saved {path}")


if __name__ == "__main__":
    main()
