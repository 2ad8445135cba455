"""Revocation fan-out at campus scale: 10,000 connected edges, one new revocation list.

    python benchmarks/fanout_campus.py [--edges 10000] [--processes 4] [--rounds 5]

How it is measured: a private Mosquitto (the production limits of deploy/mosquitto) on a free
port, so the burst of connections disturbs no other broker. N edges are light MQTT 3.1.1
clients written on asyncio sockets (CONNECT, SUBSCRIBE at QoS 1 to
``officegate/sites/{site}/revocations``, PUBACK for each PUBLISH; no thread per edge, which is
what limits benchmarks/fanout.py's paho edges to about 1,000 on 2 cores), spread over P
processes. When every edge holds its SUBACK, a paho publisher (the server's client) sends a
Revocations document of 1,000 pass ids (~20 KB, QoS 1, retained, as the bridge does); each
edge notes ``time.time()`` when the whole message has arrived (one host, one clock). Latency
per round = last edge's arrival - publish call. CPU seconds per process kind are read from
/proc around the rounds. Goal: the last edge within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import multiprocessing as mp
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fanout_rounds, machine, publish_revocation_rounds, save  # noqa: E402

from officegate.mqtt import BrokerAddress, make_client  # noqa: E402
from officegate.protocol import topics  # noqa: E402
from officegate.protocol.messages import Revocations  # noqa: E402

GOAL_S = 1.0
VERSION = re.compile(rb'"version":(\d+)')


def _string(value: str) -> bytes:
    data = value.encode()
    return len(data).to_bytes(2, "big") + data


def _packet(kind: int, body: bytes) -> bytes:
    length, header = len(body), bytearray([kind])
    while True:
        byte, length = length % 128, length // 128
        header.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(header) + body


async def _read_packet(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    kind = (await reader.readexactly(1))[0]
    length, shift = 0, 0
    while True:
        byte = (await reader.readexactly(1))[0]
        length += (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return kind, await reader.readexactly(length)


async def _edge(port: int, name: str, topic: str, subscribed: asyncio.Event,
                counter: list[int], total: int, arrivals: dict[int, list[float]],
                gate: asyncio.Semaphore) -> None:
    for attempt in range(10):  # a full accept queue resets a connect: try again, as edges do
        try:
            async with gate:  # a few dozen at a time, as edges boot at different times
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(_packet(0x10, _string("MQTT") + bytes([4, 0x02, 0, 0]) +
                                     _string(name)))
                writer.write(_packet(0x82, (1).to_bytes(2, "big") + _string(topic) +
                                     bytes([1])))
                await writer.drain()
                while (await _read_packet(reader))[0] >> 4 != 9:  # CONNACK, then SUBACK
                    pass
            break
        except (ConnectionError, asyncio.IncompleteReadError):
            await asyncio.sleep(0.2 * (attempt + 1))
    else:
        raise ConnectionError(f"{name} could not connect")
    counter[0] += 1
    if counter[0] == total:
        subscribed.set()
    while True:
        kind, body = await _read_packet(reader)
        if kind >> 4 != 3:
            continue
        now = time.time()
        qos = (kind >> 1) & 3
        start = 2 + int.from_bytes(body[:2], "big")
        if qos:
            writer.write(_packet(0x40, body[start:start + 2]))
            start += 2
        found = VERSION.search(body, start, start + 200)
        if found:
            arrivals.setdefault(int(found.group(1)), []).append(now)


def _edges(port: int, site: str, names: list[str], ready: Any, results: Any,
           rounds: int) -> None:
    """One process holding many edges; reports arrival times per round."""
    async def main() -> dict[int, list[float]]:
        subscribed, counter = asyncio.Event(), [0]
        arrivals: dict[int, list[float]] = {}
        gate = asyncio.Semaphore(50)
        tasks = [asyncio.create_task(_edge(port, name, topics.site_revocations(site),
                                           subscribed, counter, len(names), arrivals, gate))
                 for name in names]
        await asyncio.wait_for(subscribed.wait(), 300)
        ready.put((len(names), time.process_time()))
        deadline = time.monotonic() + 30 + 10 * rounds
        while time.monotonic() < deadline and not (
                len(arrivals) >= rounds and all(len(v) == len(names)
                                                for v in arrivals.values())):
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        return arrivals

    arrivals = asyncio.run(main())
    results.put((arrivals, time.process_time()))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _broker(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = workdir / "mosquitto.conf"
    conf.write_text("\n".join([
        f"user {getpass.getuser()}", f"listener {port} 127.0.0.1", "allow_anonymous true",
        "persistence false", "max_queued_messages 0", "max_queued_bytes 0",
        "max_inflight_messages 1000", "max_connections -1", ""]))
    process = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process, port


def run(edges: int, rounds: int, processes: int) -> dict[str, Any]:
    """Fan-out to ``edges`` light edges for ``rounds`` revocation updates."""
    site = f"campus{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="og-fanout-") as tmp:
        broker, port = _broker(Path(tmp))
        try:
            return _run(port, broker.pid, site, edges, rounds, processes)
        finally:
            broker.terminate()
            broker.wait()


def _run(port: int, broker_pid: int, site: str, edges: int, rounds: int,
         processes: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    names = [f"edge-{site}-{i}" for i in range(edges)]
    procs = [ctx.Process(target=_edges, args=(port, site, names[i::processes], ready, results,
                                              rounds)) for i in range(processes)]
    started = time.monotonic()
    for p in procs:
        p.start()
    readies = [ready.get(timeout=600) for _ in procs]
    connect_s = time.monotonic() - started
    broker_cpu = _cpu_seconds(broker_pid)
    pub = make_client(client_id=f"server-{site}", broker=BrokerAddress("127.0.0.1", port),
                      clean_session=True)
    pub.connect("127.0.0.1", port, 60)
    pub.loop_start()
    sent = publish_revocation_rounds(pub, site, rounds, 3.0, retain=True)
    merged: dict[int, list[float]] = {}
    edge_cpu = 0.0
    for _ in procs:
        arrivals, cpu_end = results.get(timeout=300)
        edge_cpu += cpu_end
        for version, times in arrivals.items():
            merged.setdefault(version, []).extend(times)
    edge_cpu -= sum(cpu for _n, cpu in readies)
    broker_cpu = _cpu_seconds(broker_pid) - broker_cpu
    for p in procs:
        p.join(timeout=30)
    pub.disconnect()
    pub.loop_stop()
    out, worst = fanout_rounds(sent, merged, edges)
    return {"edges": edges, "connected": sum(n for n, _cpu in readies),
            "processes": processes, "connect_all_s": round(connect_s, 1), "rounds": out,
            "worst_last_s": worst,
            "all_received": all(r["received"] == edges for r in out),
            "cpu_s_per_round": {"broker": round(broker_cpu / rounds, 3),
                                "edges_all_processes": round(edge_cpu / rounds, 3)},
            "payload_bytes": len(Revocations(site, 1, ("0" * 16,) * 1000).to_json())}


def main() -> int:
    """Run, print and save the figures; 0 when every round reached every edge."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    load_before = os.getloadavg()  # the figures mean most on a quiet machine
    result = run(args.edges, args.rounds, args.processes)
    result["load_average_before"] = [round(x, 1) for x in load_before]
    print(f"{result['edges']} edges ({result['connected']} connected in "
          f"{result['connect_all_s']} s): last edge after {result['worst_last_s']} s (worst of "
          f"{args.rounds}; goal < {GOAL_S} s); per round last/p50 "
          f"{[(r['last_s'], r['p50_s']) for r in result['rounds']]}; all received: "
          f"{result['all_received']}; CPU s per round {result['cpu_s_per_round']}; load average "
          f"before {result['load_average_before']}", flush=True)
    print(f"saved {save('fanout_campus', {'machine': machine(), 'goal_s': GOAL_S, **result})}")
    return 0 if result["all_received"] else 1


if __name__ == "__main__":
    sys.exit(main())
