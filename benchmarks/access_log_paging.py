"""The access log's keyset pages over many rows: a page deep in the log costs what the first
page does.

    python benchmarks/access_log_paging.py               # 200,000 events, SQLite
    python benchmarks/access_log_paging.py --rows 20000  # quicker
    DATABASE_URL=postgresql+psycopg://... python benchmarks/access_log_paging.py

How it is measured: N access events (one gate a second, every 50th a denial, a visit on
every 10th) stored with the bridge's own bulk insert, plus N/100 door alarms; then the log's
search (``access.search.search``, what ``/api/access/log`` runs) for 50 rows: the first page,
a page half-way down (its cursor taken from the row there) and the last page, unfiltered and
filtered by decision and by device, 20 times each; figures are milliseconds per page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, save, stats_ms  # noqa: E402


def main() -> None:
    """Fill a database, page through it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    rows = parser.parse_args().rows

    import os

    from sqlalchemy import select

    from officegate.protocol.messages import AccessEvent
    from officegate.server.access.models import AccessEventRecord
    from officegate.server.access.search import LogQuery, search
    from officegate.server.access.service import ingest_events
    from officegate.server.alerts.models import Alert
    from officegate.server.auth.models import User
    from officegate.server.bootstrap import database_session
    from officegate.server.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), site="bench", secret_key="bench-" + "x" * 32,
                            database_url=os.environ.get("DATABASE_URL"))
        start = datetime(2026, 1, 1, tzinfo=UTC)
        t0 = time.perf_counter()
        for base in range(0, rows, 5000):
            events = [AccessEvent(
                id=uuid.uuid4().hex, device=f"gate-{n % 8}", site="bench",
                at=(start + timedelta(seconds=n)).timestamp(),
                reason="wrong_door" if n % 50 == 0 else "accepted", pass_id=None,
                visit_id=None, subject=None, kid=None, latency_ms=2.0, detail="")
                for n in range(base, min(rows, base + 5000))]
            with database_session(settings) as db:
                ingest_events(db=db, events=events)
                db.add_all([Alert(site="bench", device="door-1", kind="door_held_open",
                                  severity="warning", at=start + timedelta(seconds=n + 0.5),
                                  detail="") for n in range(base, base + 5000, 100)])
        fill_s = time.perf_counter() - t0
        viewer = User(id=0, email="staff@example.com", role="staff", password_hash="")
        figures: dict[str, dict[str, float]] = {}
        with database_session(settings) as db:
            total = db.query(AccessEventRecord).count() + db.query(Alert).count()
            for name, extra in (("all", {}), ("denied", {"decision": "denied"}),
                                ("device", {"device": "gate-3"})):
                first = search(db=db, viewer=viewer, site="bench", q=LogQuery(limit=50, **extra))
                middle_at = db.scalar(select(AccessEventRecord.at).order_by(
                    AccessEventRecord.at).offset(rows // 2).limit(1))
                assert first and middle_at is not None
                pages = {"first": LogQuery(limit=50, **extra),
                         "middle": LogQuery(limit=50, after=(middle_at, "~"), **extra),
                         "last": LogQuery(limit=50, after=(start + timedelta(seconds=60), "~"),
                                          **extra)}
                for where, q in pages.items():
                    samples = []
                    for _ in range(20):
                        t = time.perf_counter()
                        found = search(db=db, viewer=viewer, site="bench", q=q)
                        samples.append(time.perf_counter() - t)
                    assert found, (name, where)
                    figures[f"{name}/{where}"] = stats_ms(samples)
        result = {"rows": total, "fill_s": round(fill_s, 1),
                  "database": settings.resolved_database_url.split(":", 1)[0],
                  "page_ms": figures, "machine": machine()}
    for key, value in figures.items():
        print(f"{key:16} p50 {value['p50']:7.2f} ms   p99 {value['p99']:7.2f} ms")
    print(f"{total} rows, filled in {fill_s:.1f} s")
    print("saved", save("access_log_paging", result))


if __name__ == "__main__":
    main()
