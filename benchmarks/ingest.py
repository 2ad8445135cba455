"""Sustained event ingest: many devices -> Mosquitto -> the server's bridge -> PostgreSQL.

    python benchmarks/ingest.py [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
                                [--broker mqtt://127.0.0.1:1883] [--events 20000]
    python benchmarks/ingest.py --quick          # 2,000 events

How it is measured: a fresh database (a new PostgreSQL database named og_bench_<random>, or
SQLite when no URL is given) is migrated; the real SiteBridge (persistent session, manual
PUBACK after commit) subscribes on a real Mosquitto; D simulated devices (paho clients,
QoS 1, the edge's in-flight window of 50) publish M distinct AccessEvents as fast as they
can. Rate = events stored / (last stored - first publish), counted in the database; at the
end every event id must be stored exactly once. A second figure, the database ceiling, is
``ingest_events`` called directly, 500 events per transaction (no MQTT, no replay check).
Goal: >= 5,000 events/s with nothing lost.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, save  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from officegate.mqtt import make_client, parse_mqtt_url  # noqa: E402
from officegate.protocol import Reason, topics  # noqa: E402
from officegate.protocol.messages import AccessEvent, new_event_id  # noqa: E402

GOAL = 5000.0


def _event(device: str, site: str) -> AccessEvent:
    return AccessEvent(id=new_event_id(), device=device, site=site, at=time.time(),
                       reason=Reason.ACCEPTED.value, pass_id=secrets.token_hex(8),
                       visit_id=None, subject="v" + secrets.token_hex(4), kid=None,
                       latency_ms=7.5, detail="")


def _fresh_database(url: str | None, tmp: Path) -> tuple[str, Any]:
    if not url:
        return f"sqlite:///{tmp / 'bench.db'}", None
    name = f"og_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def private_broker(tmp: Path) -> tuple[str, Any]:
    """Start Mosquitto with the production settings that matter (deploy/mosquitto) on a free
    port; returns its URL and a stop function."""
    import getpass
    import shutil
    import socket
    import subprocess

    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\n"
                    "allow_anonymous true\nmax_queued_messages 0\nmax_queued_bytes 0\n"
                    "max_inflight_messages 1000\n")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return f"mqtt://127.0.0.1:{port}", proc.terminate


def run(database_url: str, broker_url: str, events: int, devices: int,
        tmp: Path) -> dict[str, Any]:
    """Publish ``events`` from ``devices`` devices through the bridge; count what is stored."""
    from officegate.server.access.models import AccessEventRecord
    from officegate.server.access.service import ingest_events
    from officegate.server.bootstrap import prepare
    from officegate.server.bridge.service import SiteBridge
    from officegate.server.db import session_scope
    from officegate.server.settings import Settings

    site = f"bench{secrets.token_hex(3)}"
    engine, sessions = prepare(Settings(data_dir=tmp / "server", database_url=database_url,
                                        site=site))
    broker = parse_mqtt_url(broker_url)
    bridge = SiteBridge(broker=broker, sessions=sessions, site=site, keys_dir=tmp / "server/keys",
                        client_id=f"bench-server-{site}")
    bridge.start()
    per_device = events // devices
    names = [f"dev-{site}-{i}" for i in range(devices)]
    batches = {n: [_event(n, site) for _ in range(per_device)] for n in names}
    total = per_device * devices

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(AccessEventRecord)) or 0)

    def publish(name: str) -> None:
        client = make_client(client_id=name, broker=broker, clean_session=True)
        client.connect(broker.host, broker.port, 60)
        client.loop_start()
        infos = [client.publish(topics.device_events(name), e.to_json(), qos=1)
                 for e in batches[name]]
        for info in infos:
            info.wait_for_publish(120)
        client.disconnect()
        client.loop_stop()

    threads = [threading.Thread(target=publish, args=(n,)) for n in names]
    started = time.perf_counter()
    for t in threads:
        t.start()
    last, stored, idle_since = started, 0, time.perf_counter()
    while stored < total and time.perf_counter() - idle_since < 30:
        time.sleep(0.1)
        now_count = count()
        if now_count > stored:
            stored, last, idle_since = now_count, time.perf_counter(), time.perf_counter()
    for t in threads:
        t.join()
    elapsed = last - started
    bridge.stop()
    expected = {e.id for batch in batches.values() for e in batch}
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(AccessEventRecord.id))]
    lost = len(expected - set(ids))
    doubled = len(ids) - len(set(ids))
    # The database's own ceiling: the same service function, 500 events per transaction.
    ceiling_events = [_event("ceiling", site) for _ in range(min(total, 5000))]
    t0 = time.perf_counter()
    for i in range(0, len(ceiling_events), 500):
        with session_scope(sessions) as db:
            ingest_events(db=db, events=ceiling_events[i:i + 500])
    ceiling = len(ceiling_events) / (time.perf_counter() - t0)
    engine.dispose()
    return {"events": total, "devices": devices, "stored": len(ids), "lost": lost,
            "duplicates": doubled, "seconds": round(elapsed, 3),
            "events_per_s": round(total / elapsed, 1) if elapsed else None,
            "db_ceiling_batched_per_s": round(ceiling, 1), "bridge_stats": dict(bridge.stats)}


def main() -> int:
    """Run and print the figures; exit 0 when nothing was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("OFFICEGATE_TEST_DATABASE_URL"))
    parser.add_argument("--broker", default=None,
                        help="default: a private Mosquitto started for the run")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2,000 events from 10 devices")
    args = parser.parse_args()
    if args.quick:
        args.events, args.devices = 2000, 10
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _fresh_database(args.database_url, Path(tmp))
        broker, stop_broker = ((args.broker, None) if args.broker
                               else private_broker(Path(tmp)))
        try:
            result = run(url, broker, args.events, args.devices, Path(tmp))
        finally:
            if drop:
                drop()
            if stop_broker:
                stop_broker()
    dialect = make_url(url).get_backend_name()
    print(f"{result['events']} events from {result['devices']} devices via Mosquitto into "
          f"{dialect}: {result['events_per_s']} events/s (goal >= {GOAL:.0f}); stored "
          f"{result['stored']}, lost {result['lost']}, duplicates {result['duplicates']}; "
          f"database alone, 500 per transaction: {result['db_ceiling_batched_per_s']} events/s")
    if not args.quick:
        print(f"saved {save('ingest', {'machine': machine(), 'database': dialect, **result})}")
    return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
