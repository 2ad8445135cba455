"""Nothing lost, nothing doubled: a real Mosquitto, a server process and an edge process,
with a bounded stream of scans, while the broker, the server or the edge dies mid-stream.

Each test ends with every event the edge committed stored exactly once in the server's
database, and prints the counts (pytest -s shows them).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from .conftest import EdgeRun, ServerProcess, stored_ids, wait_stored
from .mosquitto import Mosquitto

SCANS = 300


def _edge(tmp_path: Path, server: ServerProcess, key: Path, mqtt_url: str,
          scans: int = SCANS, pause: float = 0.005) -> EdgeRun:
    return EdgeRun(data_dir=tmp_path / "edge", device=f"gate-{server.site}", site=server.site,
                   mqtt_url=mqtt_url, key=key, scans=scans, pause=pause)


def _check_exactly_once(edge: EdgeRun, server: ServerProcess, label: str,
                        *, may_have_one_unlisted: bool = False) -> None:
    committed = edge.committed()
    stored = wait_stored(server.database_url, edge.device, len(committed))
    doubled = [i for i, n in Counter(stored).items() if n > 1]
    missing = set(committed) - set(stored)
    unlisted = set(stored) - set(committed)
    print(f"\n[{label}] scans={edge.scans} committed={len(committed)} stored={len(stored)} "
          f"missing={len(missing)} duplicates={len(doubled)} unlisted={len(unlisted)}")
    assert len(set(committed)) == edge.scans == len(committed)
    assert not missing, f"{len(missing)} events lost; server log: {server.log_tail()}"
    assert not doubled
    # A SIGKILL between "outbox committed" and "id written to the test's list" leaves at
    # most one stored event the list does not name; it is still a real, single event.
    assert len(unlisted) <= (1 if may_have_one_unlisted else 0)


def test_broker_stopped_and_restarted_mid_stream(tmp_path: Path, broker: Mosquitto,
                                                 server: ServerProcess) -> None:
    key = server.prepare()
    server.start()
    edge = _edge(tmp_path, server, key, broker.url, pause=0.01).start()
    edge.wait_for(SCANS // 3)
    broker.stop()  # the gate keeps deciding; events wait in the outbox
    edge.wait_for(2 * SCANS // 3)
    broker.start()
    print(edge.finish())
    _check_exactly_once(edge, server, "broker restart")


def test_server_killed_and_restarted(tmp_path: Path, broker: Mosquitto,
                                     server: ServerProcess) -> None:
    key = server.prepare()
    server.start()
    edge = _edge(tmp_path, server, key, broker.url, pause=0.01).start()
    edge.wait_for(SCANS // 3)
    server.kill()  # the broker keeps the server's persistent session and queues for it
    edge.wait_for(2 * SCANS // 3)
    server.start()
    print(edge.finish())
    _check_exactly_once(edge, server, "server SIGKILL")


def test_edge_killed_with_sigkill_and_restarted(tmp_path: Path, broker: Mosquitto,
                                                server: ServerProcess) -> None:
    key = server.prepare()
    server.start()
    edge = _edge(tmp_path, server, key, broker.url, pause=0.01).start()
    edge.wait_for(SCANS // 2)
    edge.kill()
    before = len(edge.committed())
    edge.start()  # same data dir: the outbox on disk still holds what was not acknowledged
    print(edge.finish())
    assert len(edge.committed()) == SCANS and before < SCANS
    _check_exactly_once(edge, server, "edge SIGKILL", may_have_one_unlisted=True)


def test_reconnect_after_a_long_outage(tmp_path: Path, broker: Mosquitto,
                                       server: ServerProcess) -> None:
    """Broker and server both down while the edge decides 600 scans; then they return."""
    key = server.prepare()
    server.start()
    server.kill()
    broker.stop()
    edge = _edge(tmp_path, server, key, broker.url, scans=2 * SCANS, pause=0).start()
    edge.wait_for(2 * SCANS)
    assert stored_ids(server.database_url, edge.device) == []
    time.sleep(0.5)
    broker.start()
    server.start()
    print(edge.finish())
    _check_exactly_once(edge, server, "long outage")
