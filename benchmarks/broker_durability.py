"""How many acknowledged QoS 1 events a ``kill -9`` of Mosquitto loses, per persistence setting.

    python benchmarks/broker_durability.py [--events 2000] [--wait 2]

How it is measured, for each setting: a private Mosquitto (the production limits of
deploy/mosquitto: persistence on, no queue limit, 1,000 in flight) on a free port; the
server's persistent session (clean_session=False, QoS 1) subscribes and goes away, as a
server that is down or restarting; a device publishes N distinct QoS 1 events, each
acknowledged (PUBACK) by the broker, i.e. deleted from the edge's outbox; ``--wait`` s later
the broker is killed with SIGKILL and started again on the same persistence file; the
session comes back and counts what it gets. Also the device's publish rate (events/s until
the last PUBACK), which the snapshot-on-every-change setting costs.
Mosquitto writes its whole in-memory state to mosquitto.db as a snapshot, on
``autosave_interval`` seconds (or, with ``autosave_on_changes true``, every that many
changes) and on a clean stop: nothing between two snapshots survives a SIGKILL.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, save  # noqa: E402

from officegate.mqtt import BrokerAddress, make_client  # noqa: E402

SETTINGS = {
    "deploy (autosave_interval 30)": ["autosave_interval 30"],
    "tests (autosave_interval 1)": ["autosave_interval 1"],
    "every change (autosave_on_changes, 1)": ["autosave_on_changes true", "autosave_interval 1"],
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _broker(workdir: Path, port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    conf = workdir / "mosquitto.conf"
    conf.write_text("\n".join([
        f"user {getpass.getuser()}", f"listener {port} 127.0.0.1", "allow_anonymous true",
        "persistence true", f"persistence_location {workdir}/", "max_queued_messages 0",
        "max_queued_bytes 0", "max_inflight_messages 1000", *extra, ""]))
    process = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process


def _session(port: int, received: set[bytes] | None = None) -> object:
    done = threading.Event()
    client = make_client(client_id="durability-server", broker=BrokerAddress("127.0.0.1", port))
    if received is not None:
        client.on_message = lambda _c, _u, m: received.add(bytes(m.payload))
    client.on_subscribe = lambda *_a: done.set()
    client.on_connect = lambda c, *_a: c.subscribe("officegate/devices/+/events", qos=1)
    client.connect("127.0.0.1", port, 30)
    client.loop_start()
    done.wait(5)
    return client


def run(name: str, extra: list[str], events: int, wait: float, port: int) -> dict[str, object]:
    """One setting: events published and acknowledged, then SIGKILL; what survives."""
    with tempfile.TemporaryDirectory(prefix="og-durability-") as tmp:
        workdir = Path(tmp)
        broker = _broker(workdir, port, extra)
        server = _session(port)
        server.disconnect()  # type: ignore[attr-defined]
        server.loop_stop()  # type: ignore[attr-defined]
        device = make_client(client_id="gate-1", broker=BrokerAddress("127.0.0.1", port),
                             clean_session=True)
        device.connect("127.0.0.1", port, 30)
        device.loop_start()
        started = time.perf_counter()
        infos = [device.publish("officegate/devices/gate-1/events", f"e{n}".encode(), qos=1)
                 for n in range(events)]
        for info in infos:
            info.wait_for_publish(60)
        rate = events / (time.perf_counter() - started)
        acked = sum(info.is_published() for info in infos)
        device.disconnect()
        device.loop_stop()
        time.sleep(wait)
        broker.kill()
        broker.wait()
        broker = _broker(workdir, port, extra)
        received: set[bytes] = set()
        server = _session(port, received)
        time.sleep(2.0)
        server.disconnect()  # type: ignore[attr-defined]
        server.loop_stop()  # type: ignore[attr-defined]
        broker.terminate()
        broker.wait()
    result = {"acknowledged": acked, "delivered_after_kill": len(received),
              "lost": acked - len(received), "publish_rate_per_s": round(rate)}
    print(f"{name:40s} acknowledged={acked} after kill -9 {wait:.0f} s later: "
          f"delivered={len(received)} lost={acked - len(received)} "
          f"(publish {rate:,.0f} events/s)")
    return result


def main() -> None:
    """Run every setting and save the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--wait", type=float, default=2.0)
    args = parser.parse_args()
    results = {name: run(name, extra, args.events, args.wait, free_port())
               for name, extra in SETTINGS.items()}
    save("broker_durability", {"machine": machine(), "events": args.events,
                               "kill_after_s": args.wait, "settings": results})


if __name__ == "__main__":
    main()
