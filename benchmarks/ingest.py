"""Sustained event ingest: many devices -> Mosquitto -> the server's bridge -> PostgreSQL.

    python benchmarks/ingest.py [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
                                [--broker mqtt://127.0.0.1:1883] [--events 20000]
    python benchmarks/ingest.py --quick          # 2,000 events
    python benchmarks/ingest.py --stock-limits   # a broker with Mosquitto's default limits

How it is measured: a fresh database (a new PostgreSQL database named og_bench_<random>, or
SQLite when no URL is given) is migrated; the real SiteBridge (persistent session, manual
PUBACK after commit) subscribes on a private Mosquitto with the production limits of
deploy/mosquitto (no queue limit, 1,000 in flight to the server); D simulated devices (paho
clients, QoS 1, the edge's in-flight window of 50) publish M distinct AccessEvents as fast as
they can, from P processes of their own (as real edges are other machines, the load
generator must not share the bridge's interpreter). Rate = events stored / (last commit -
first publish), the last commit read from the rows' received_at; at the end every event id
must be stored exactly once. Also reported: how fast the devices got their events into the
broker, the CPU time per event of each part (bridge process, broker, publishers, the
database's server processes for this database, from /proc) and the machine's load average
before the run (the figures are only meaningful on a quiet machine). A last figure, the
database ceiling, is the bridge's insert (``bridge.bulk.ingest_access_events``) called
directly, 500 events per transaction (no MQTT, no parsing, no replay check).
Goal: >= 5,000 events/s with nothing lost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
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


def private_broker(tmp: Path, *, stock_limits: bool = False) -> tuple[str, Any]:
    """Start Mosquitto with the production settings that matter (deploy/mosquitto), or with
    Mosquitto's own defaults (20 in flight, 1,000 queued per client), on a free port; returns
    its URL and process."""
    import getpass
    import shutil
    import socket
    import subprocess

    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp / "mosquitto.conf"
    limits = ("" if stock_limits else
              "max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 1000\n")
    conf.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\n"
                    f"allow_anonymous true\n{limits}")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return f"mqtt://127.0.0.1:{port}", proc


def publish_devices(broker_url: str, devices: list[tuple[str, list[bytes]]], ready: Any,
                    go: Any, finished: Any) -> None:
    """One publisher process: a paho client per device (QoS 1, the edge's in-flight window),
    each sending its pre-encoded events as fast as the broker acknowledges them."""
    broker = parse_mqtt_url(broker_url)
    clients = []
    for name, _payloads in devices:
        client = make_client(client_id=name, broker=broker, clean_session=True)
        client.connect(broker.host, broker.port, 60)
        client.loop_start()
        clients.append(client)
    ready.wait(60)
    go.wait(60)
    infos = [info for client, (name, payloads) in zip(clients, devices, strict=True)
             for info in [client.publish(topics.device_events(name), p, qos=1)
                          for p in payloads]]
    for info in infos:
        info.wait_for_publish(300)
    finished.put(time.time())  # every event acknowledged by the broker
    for client in clients:
        client.disconnect()
        client.loop_stop()


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds a process (or one of its threads) has used so far (Linux
    /proc; 0 if gone)."""
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by each part (bridge, broker, publishers, the database's backends
    for this database) between construction and :meth:`stop`, and by the bridge's threads
    (this process's, by name)."""

    def __init__(self, engine: Any, **parts: list[int]) -> None:
        self._engine = engine
        self._parts = parts
        self._start = {pid: _cpu_seconds(pid) for pids in parts.values() for pid in pids}
        self._start.update({pid: _cpu_seconds(pid) for pid in self._backends()})
        self._threads = self._thread_cpu()

    @staticmethod
    def _thread_cpu() -> dict[str, float]:
        import threading

        kinds = {"event-writer": "writers", "paho-mqtt-client": "mqtt network"}
        out: dict[str, float] = {}
        for thread in threading.enumerate():
            kind = next((k for prefix, k in kinds.items() if thread.name.startswith(prefix)),
                        None)
            if kind and thread.native_id:
                out[kind] = out.get(kind, 0.0) + _cpu_seconds(os.getpid(), thread.native_id)
        return out

    def threads(self) -> dict[str, float]:
        """CPU seconds of the bridge's writer and MQTT network threads since the start."""
        now = self._thread_cpu()
        return {k: v - self._threads.get(k, 0.0) for k, v in now.items()}

    def _backends(self) -> list[int]:
        if self._engine.dialect.name != "postgresql":
            return []  # SQLite works inside the bridge's process
        with self._engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"))]

    def stop(self) -> dict[str, float]:
        parts = {**self._parts, "database": self._backends()}
        return {name: sum(_cpu_seconds(pid) - self._start.get(pid, 0.0) for pid in pids)
                for name, pids in parts.items()}


def run(database_url: str, broker_url: str, events: int, devices: int, publishers: int,
        tmp: Path, broker_pid: int | None = None) -> dict[str, Any]:
    """Publish ``events`` from ``devices`` devices through the bridge; count what is stored."""
    from officegate.server.access.models import AccessEventRecord
    from officegate.server.bootstrap import prepare
    from officegate.server.bridge.bulk import ingest_access_events
    from officegate.server.bridge.service import SiteBridge
    from officegate.server.db import session_scope
    from officegate.server.settings import Settings

    site = f"bench{secrets.token_hex(3)}"
    settings = Settings(data_dir=tmp / "server", database_url=database_url, site=site)
    engine, sessions = prepare(settings)
    broker = parse_mqtt_url(broker_url)
    bridge = SiteBridge(broker=broker, sessions=sessions, site=site, keyring=settings.keyring,
                        client_id=f"bench-server-{site}")
    bridge.start()
    per_device = events // devices
    names = [f"dev-{site}-{i}" for i in range(devices)]
    batches = {n: [_event(n, site) for _ in range(per_device)] for n in names}
    total = per_device * devices

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(AccessEventRecord)) or 0)

    # The simulated devices run in their own processes (as real edges do), so the load
    # generator does not share the bridge's interpreter lock.
    ctx = multiprocessing.get_context("spawn")
    groups = [g for g in (names[i::publishers] for i in range(publishers)) if g]
    ready, go, finished = ctx.Barrier(len(groups) + 1), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=publish_devices, daemon=True,
                         args=(broker_url, [(n, [e.to_json() for e in batches[n]]) for n in g],
                               ready, go, finished)) for g in groups]
    for p in procs:
        p.start()
    ready.wait(60)  # every device connected
    load_before = round(os.getloadavg()[0], 2)
    cpu = CpuMeter(engine, bridge=[os.getpid()], broker=[broker_pid] if broker_pid else [],
                   publishers=[p.pid for p in procs if p.pid])
    started = time.time()
    go.set()
    stored, idle_since = 0, time.perf_counter()
    while stored < total and time.perf_counter() - idle_since < 30:
        time.sleep(0.2)
        now_count = count()
        if now_count > stored:
            stored, idle_since = now_count, time.perf_counter()
    # The last commit: received_at is stamped on each batch just before it is committed.
    with engine.connect() as conn:
        last = conn.scalar(select(func.max(AccessEventRecord.received_at)))
    elapsed = (last.timestamp() if last else time.time()) - started
    cpu_seconds = cpu.stop()
    thread_seconds = cpu.threads()
    published = max(finished.get(timeout=60) for _ in procs) - started
    for p in procs:
        p.join(60)
    bridge.stop()
    expected = {e.id for batch in batches.values() for e in batch}
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(AccessEventRecord.id))]
    lost = len(expected - set(ids))
    doubled = len(ids) - len(set(ids))
    # The database's own ceiling: the bridge's store function alone (no MQTT, no parsing),
    # 500 events per transaction.
    ceiling_events = [_event("ceiling", site) for _ in range(min(total, 5000))]
    t0 = time.perf_counter()
    for i in range(0, len(ceiling_events), 500):
        with session_scope(sessions) as db:
            ingest_access_events(db=db, events=ceiling_events[i:i + 500])
    ceiling = len(ceiling_events) / (time.perf_counter() - t0)
    engine.dispose()
    return {"events": total, "devices": devices, "stored": len(ids), "lost": lost,
            "duplicates": doubled, "seconds": round(elapsed, 3),
            "events_per_s": round((total - lost) / elapsed, 1) if elapsed else None,
            "publishers": len(procs), "published_per_s": round(total / published, 1),
            "db_ceiling_batched_per_s": round(ceiling, 1), "bridge_stats": dict(bridge.stats),
            "cpu_us_per_event": {k: round(v / total * 1e6, 1) for k, v in cpu_seconds.items()},
            "cpu_share_pct": {k: round(v / elapsed * 100) for k, v in cpu_seconds.items()},
            "bridge_threads_cpu_us_per_event": {k: round(v / total * 1e6, 1)
                                                for k, v in thread_seconds.items()},
            "load_average_1m_before": load_before}


def main() -> int:
    """Run and print the figures; exit 0 when nothing was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("OFFICEGATE_TEST_DATABASE_URL"))
    parser.add_argument("--broker", default=None,
                        help="default: a private Mosquitto started for the run")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--publishers", type=int, default=4,
                        help="processes the simulated devices are spread over")
    parser.add_argument("--quick", action="store_true", help="2,000 events from 10 devices")
    parser.add_argument("--stock-limits", action="store_true",
                        help="private broker with Mosquitto's default limits; not saved")
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat (fresh database and broker each time); median saved")
    args = parser.parse_args()
    if args.quick:
        args.events, args.devices = 2000, 10
    results = [_run_once(args) for _ in range(args.runs)]
    dialect = results[0].pop("dialect")
    for result in results[1:]:
        result.pop("dialect")
    rates = sorted(r["events_per_s"] or 0.0 for r in results)
    median = rates[len(rates) // 2]
    summary = {"machine": machine(), "database": dialect, "runs": len(results),
               "events_per_s_median": median, "events_per_s_all": rates,
               "lost": sum(r["lost"] for r in results),
               "duplicates": sum(r["duplicates"] for r in results),
               "each_run": results}
    if len(results) > 1:
        print(f"{len(results)} runs: median {median} events/s (all: {rates}); lost "
              f"{summary['lost']}, duplicates {summary['duplicates']}")
    if not (args.quick or args.stock_limits or args.broker):
        print(f"saved {save('ingest', summary)}")
    return 0 if summary["lost"] == 0 and summary["duplicates"] == 0 else 1


def _run_once(args: argparse.Namespace) -> dict[str, Any]:
    """One run on a fresh database and (unless --broker) a fresh private broker."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _fresh_database(args.database_url, Path(tmp))
        broker, broker_proc = ((args.broker, None) if args.broker
                               else private_broker(Path(tmp), stock_limits=args.stock_limits))
        try:
            result = run(url, broker, args.events, args.devices, args.publishers, Path(tmp),
                         broker_pid=broker_proc.pid if broker_proc else None)
        finally:
            if drop:
                drop()
            if broker_proc:
                broker_proc.terminate()
    dialect = make_url(url).get_backend_name()
    print(f"{result['events']} events from {result['devices']} devices via Mosquitto into "
          f"{dialect}: {result['events_per_s']} events/s (goal >= {GOAL:.0f}); stored "
          f"{result['stored']}, lost {result['lost']}, duplicates {result['duplicates']}; "
          f"database alone, 500 per transaction: {result['db_ceiling_batched_per_s']} events/s; "
          f"CPU us per event: {result['cpu_us_per_event']} (bridge threads: "
          f"{result['bridge_threads_cpu_us_per_event']}); load before: "
          f"{result['load_average_1m_before']}", flush=True)
    return {"dialect": dialect, **result}


if __name__ == "__main__":
    sys.exit(main())
