"""Forced door -> the staff's console page and mailbox.

    python benchmarks/alarm_latency.py           # 30 alarms
    python benchmarks/alarm_latency.py --quick   # 10 alarms

How it is measured: the real stack in one process (embedded broker, the server over real
HTTP with uvicorn, SQLite in a temp dir; ``MQTT_URL`` / ``DATABASE_URL`` to use Mosquitto
and PostgreSQL), a staff member's console feed read over HTTP (server-sent events) and a
local SMTP server (aiosmtpd) as the mail server the site configured, with two staff
members. For each alarm the clock starts (``perf_counter``) just before a door's
``door_forced_open`` event is published at QoS 1 and stops when the feed delivers the alarm,
and when the second of the two mails has been received. So the figure covers: MQTT, the
bridge's batch writer and commit, the console watcher's poll (every 0.25 s), the claim of
the alarm level, the SSE write, and the SMTP conversation. Goal: p99 under 1 s.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, save, stats_ms  # noqa: E402


def main() -> None:
    """Run the measurement and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    count = 10 if parser.parse_args().quick else 30

    import httpx
    import uvicorn
    from aiosmtpd.controller import Controller

    from officegate.mqtt import make_client
    from officegate.protocol.messages import DoorEvent
    from officegate.server.app import create_app
    from officegate.server.auth.service import create_user
    from officegate.server.bootstrap import database_session
    from officegate.server.broker import EmbeddedBroker, free_port
    from officegate.server.devices.service import create_device
    from officegate.server.messaging.config import MessagingConfig
    from officegate.server.settings import Settings

    mails: dict[str, list[float]] = {}
    feed: dict[str, float] = {}

    class Inbox:
        async def handle_DATA(self, _s: Any, _se: Any, envelope: Any) -> str:  # noqa: N802
            text = envelope.content.decode("utf-8", "replace")
            for door in list(sent):
                if door in text:
                    mails.setdefault(door, []).append(time.perf_counter())
            return "250 OK"

    sent: dict[str, float] = {}
    smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    broker = EmbeddedBroker()
    address = broker.start()
    with tempfile.TemporaryDirectory() as tmp:
        site = f"b{secrets.token_hex(3)}"
        settings = Settings(data_dir=Path(tmp), site=site, secret_key="bench-" + "x" * 32,
                            base_url="http://127.0.0.1",
                            messaging=MessagingConfig(smtp_host="127.0.0.1",
                                                      smtp_port=smtp.port))
        app = create_app(settings, broker=address)
        doors = [f"door-{n:03d}" for n in range(count)]
        with database_session(settings) as db:
            for email in ("staff1@example.com", "staff2@example.com"):
                create_user(db=db, email=email, password="bench password", role="staff")
            for door in doors:
                create_device(db=db, name=door, kind="door", zone="floor", site=site)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        page = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        page.post("/login", data={"email": "staff1@example.com", "password": "bench password"})
        connected = threading.Event()

        def read() -> None:
            with page.stream("GET", "/api/console/feed", timeout=None) as r:
                for line in r.iter_lines():
                    if line == ": connected":
                        connected.set()
                    elif line.startswith("data: "):
                        item = json.loads(line[6:])
                        if item.get("type") == "alarm" and item["device"] not in feed:
                            feed[item["device"]] = time.perf_counter()

        threading.Thread(target=read, daemon=True).start()
        connected.wait(20)
        pub = make_client(client_id=f"bench-{secrets.token_hex(3)}", broker=address,
                          clean_session=True)
        pub.connect(address.host, address.port, 30)
        pub.loop_start()
        for door in doors:
            event = DoorEvent.new(device=door, site=site, at=time.time(),
                                  kind="door_forced_open", detail="benchmark")
            sent[door] = time.perf_counter()
            pub.publish(f"officegate/devices/{door}/events", event.to_json(), qos=1)
            deadline = time.monotonic() + 10
            while (door not in feed or len(mails.get(door, [])) < 2) \
                    and time.monotonic() < deadline:
                time.sleep(0.005)
        pub.loop_stop()
        to_feed = [feed[d] - sent[d] for d in doors if d in feed]
        to_mail = [mails[d][1] - sent[d] for d in doors if len(mails.get(d, [])) >= 2]
        result = {"alarms": count, "to_console_feed_ms": stats_ms(to_feed),
                  "to_both_mailboxes_ms": stats_ms(to_mail), "machine": machine()}
        server.should_exit = True
        time.sleep(1)
    broker.stop()
    smtp.stop()
    print(json.dumps(result, indent=2))
    print("saved", save("alarm_latency", result))


if __name__ == "__main__":
    main()
