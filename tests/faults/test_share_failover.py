"""Share-group failover: two ``officegate server`` processes split the device events
(OFFICEGATE_MQTT_SHARE_GROUP) on one PostgreSQL and one Mosquitto; one is killed with
SIGKILL mid-stream and never comes back. The broker had been dealing it half the events, and
keeps them for its persistent session; the live server takes that session over
(bridge/takeover.py) and every event the edge committed is stored exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from officegate.server.keys.vault import make_kek

from .conftest import EdgeRun, ServerProcess, stored_ids
from .mosquitto import Mosquitto

SCANS = 600
GROUP = "og-failover"


def needs_postgres(database_url: str) -> None:
    """Two server processes on one database: PostgreSQL (SQLite is one process's)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("two server processes share one database: needs PostgreSQL "
                    "(OFFICEGATE_TEST_DATABASE_URL)")


@pytest.mark.parametrize("comes_back", [False, True], ids=["stays-dead", "comes-back"])
def test_a_killed_servers_share_is_taken_over_with_nothing_lost(
        tmp_path: Path, database_url: str, broker: Mosquitto, site: str,
        comes_back: bool) -> None:
    """Killed mid-stream; it stays dead, or it is started again at once under the same
    client id while the survivor may be draining its session (they must not fight)."""
    needs_postgres(database_url)
    env = {"OFFICEGATE_KEY_ENCRYPTION_KEY": make_kek(), "OFFICEGATE_MQTT_SHARE_GROUP": GROUP}
    a, b = (ServerProcess(data_dir=tmp_path / name, database_url=database_url,
                          mqtt_url=broker.url, site=site, env=env) for name in ("a", "b"))
    try:
        key = a.prepare()
        a.start()
        b.start()
        edge = EdgeRun(data_dir=tmp_path / "edge", device=f"gate-{site}", site=site,
                       mqtt_url=broker.url, key=key, scans=SCANS, pause=0.01).start()
        edge.wait_for(SCANS // 3)
        a.kill()  # its share keeps being dealt to its (now dead) session until taken over
        killed_at, committed_at_kill = time.monotonic(), len(edge.committed())
        if comes_back:
            a.start()  # same data dir: same client id, its session back
        print(edge.finish())
        committed = edge.committed()
        deadline = time.monotonic() + 30  # within seconds, or not at all
        while True:
            stored = stored_ids(database_url, edge.device)
            if set(committed) <= set(stored) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        all_stored_after = time.monotonic() - killed_at
        doubled = [i for i, n in Counter(stored).items() if n > 1]
        missing = set(committed) - set(stored)
        label = "comes back" if comes_back else "stays dead"
        print(f"\n[share failover, {label}] scans={SCANS} committed when a was killed="
              f"{committed_at_kill} committed={len(committed)} stored={len(stored)} "
              f"missing={len(missing)} duplicates={len(doubled)} "
              f"all stored {all_stored_after:.1f} s after the kill")
        assert committed_at_kill < SCANS  # the kill came mid-stream
        assert len(committed) == SCANS
        assert not missing, f"{len(missing)} events lost; b's log: {b.log_tail()}"
        assert not doubled and len(stored) == SCANS
        if not comes_back:
            assert "took over the share of" in b.log_tail(), b.log_tail()
    finally:
        a.kill()
        b.kill()
