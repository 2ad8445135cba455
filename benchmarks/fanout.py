"""Revocation fan-out: the server publishes a new revocation list -> every edge has it.

    python benchmarks/fanout.py [--broker mqtt://127.0.0.1:1883] [--edges 100 1000]
    python benchmarks/fanout.py --quick            # 100 edges, 3 rounds

How it is measured: N simulated edges are real paho-mqtt clients (MQTT 3.1.1, QoS 1, like the
edge link) spread over a few processes, each subscribed to ``officegate/sites/{site}/
revocations`` on a real Mosquitto. When all are subscribed, one publisher sends a Revocations
document (1,000 revoked pass ids, ~20 KB, QoS 1) and each edge notes ``time.time()`` when it
arrives (one host, one clock). Latency per round = last edge's arrival - publish call;
p50 is the median edge. Goal: under 1 s for 1,000 edges.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fanout_rounds, machine, publish_revocation_rounds, save  # noqa: E402

from officegate.mqtt import make_client, parse_mqtt_url  # noqa: E402
from officegate.protocol import topics  # noqa: E402
from officegate.protocol.messages import Revocations  # noqa: E402

GOAL_S = 1.0


def _edges(url: str, site: str, names: list[str], ready: Any, results: Any, rounds: int) -> None:
    """One process holding many edges; reports arrival times per round (by version)."""
    broker = parse_mqtt_url(url)
    arrivals: dict[int, list[float]] = {}
    lock = threading.Lock()
    subscribed = threading.Semaphore(0)
    clients = []

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        now = time.time()
        version = Revocations.from_json(message.payload).version
        with lock:
            arrivals.setdefault(version, []).append(now)

    for name in names:
        client = make_client(client_id=name, broker=broker, clean_session=True)
        client.on_connect = lambda c, *_a: c.subscribe(topics.site_revocations(site), qos=1)
        client.on_subscribe = lambda *_a: subscribed.release()
        client.on_message = on_message
        client.connect(broker.host, broker.port, 60)
        client.loop_start()
        clients.append(client)
    for _ in names:
        subscribed.acquire()
    ready.put(len(names))
    deadline = time.monotonic() + 30 + 10 * rounds
    while time.monotonic() < deadline:
        with lock:
            if len(arrivals) >= rounds and all(len(v) == len(names) for v in arrivals.values()):
                break
        time.sleep(0.05)
    results.put(arrivals)
    for client in clients:
        client.disconnect()
        client.loop_stop()


def run(url: str, edges: int, rounds: int, processes: int) -> dict[str, Any]:
    """Fan-out to ``edges`` edges for ``rounds`` revocation updates."""
    site = f"bench{secrets.token_hex(3)}"
    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    names = [f"edge-{site}-{i}" for i in range(edges)]
    chunks = [names[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_edges, args=(url, site, chunk, ready, results, rounds))
             for chunk in chunks]
    for p in procs:
        p.start()
    connected = sum(ready.get(timeout=300) for _ in procs)
    broker = parse_mqtt_url(url)
    pub = make_client(client_id=f"server-{site}", broker=broker, clean_session=True)
    pub.connect(broker.host, broker.port, 60)
    pub.loop_start()
    sent = publish_revocation_rounds(pub, site, rounds, 1.5)
    merged: dict[int, list[float]] = {}
    for _ in procs:
        for version, times in results.get(timeout=120).items():
            merged.setdefault(version, []).extend(times)
    for p in procs:
        p.join(timeout=30)
    pub.disconnect()
    pub.loop_stop()
    out, worst = fanout_rounds(sent, merged, edges)
    return {"edges": edges, "connected": connected, "processes": processes, "rounds": out,
            "worst_last_s": worst,
            "all_received": all(r["received"] == edges for r in out)}


def main() -> int:
    """Run and print the figures; exit 0 when every round reached every edge."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", default=os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"))
    parser.add_argument("--edges", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="100 edges, 3 rounds")
    args = parser.parse_args()
    if args.quick:
        args.edges, args.rounds = [100], 3
    result: dict[str, Any] = {"machine": machine(), "broker": parse_mqtt_url(args.broker).url(),
                              "goal_s": GOAL_S, "runs": []}
    ok = True
    for n in args.edges:
        run_result = run(args.broker, n, args.rounds, min(args.processes, n))
        result["runs"].append(run_result)
        ok = ok and run_result["all_received"]
        print(f"{n} edges: last edge got the revocation after "
              f"{run_result['worst_last_s']} s (worst of {args.rounds} rounds; goal < {GOAL_S} s); "
              f"p50 per round {[r['p50_s'] for r in run_result['rounds']]}; "
              f"all received: {run_result['all_received']}", flush=True)
    if not args.quick:
        print(f"saved {save('fanout', result)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
