"""The retention job on a busy site, and the audit log's chain: how long, and how long the
longest transaction (the longest any table is locked by retention) takes.

    python benchmarks/retention.py [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]
                                   [--visitors 2000] [--audit 5000]
                                   [--history 40000] [--recent 8000]

How it is measured: a fresh database (SQLite file, or a new PostgreSQL database named
og_bench_<random> on the given server) is migrated; V visitors whose visits ended 31 days
ago are stored, each with a chat contact, an e-mail identity, 5 timeline messages, a host
notice and 3 access events (what a real visit leaves); then ``run_retention`` runs once
(now = the real time) and erases them all. Its wall time, the erasure rate, and the longest
single batch transaction (timed around each ``session_scope`` commit via SQLAlchemy events)
are reported, and the time spent in the queries that find the due visitors (statements
reading ``visitors``). A site with a past has more visits than are due: ``--history`` H visitors
whose visits ended 60-400 days ago and were erased by earlier runs (their erasure request
stored), and ``--recent`` R visitors whose visits ended in the last 29 days (not due), are
stored besides (bulk inserts, then ANALYZE as autovacuum would); the run must find the V
due ones among them, and a second run right after (nothing left to do: the hourly steady
state) is timed too. Then A audit entries are appended one transaction each and the whole
chain is verified (``check_chain``).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, save, stats_ms  # noqa: E402

from officegate.server.access.models import AccessEventRecord  # noqa: E402
from officegate.server.audit import service as audit  # noqa: E402
from officegate.server.auth.service import create_user  # noqa: E402
from officegate.server.db import (  # noqa: E402
    make_engine,
    make_session_factory,
    run_migrations,
    session_scope,
    utcnow,
)
from officegate.server.messaging.models import ChannelIdentity, Contact, Message  # noqa: E402
from officegate.server.notify.models import Notice  # noqa: E402
from officegate.server.privacy.jobs import run_retention  # noqa: E402
from officegate.server.privacy.models import PrivacyRequest  # noqa: E402
from officegate.server.settings import Settings  # noqa: E402
from officegate.server.sites.service import ensure_site  # noqa: E402
from officegate.server.visits.models import Visit, Visitor  # noqa: E402


def _database(url: str | None, tmp: Path) -> tuple[str, Any]:
    if not url:
        return f"sqlite:///{tmp / 'bench.db'}", None
    name = f"og_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(url).set(database=name).render_as_string(hide_password=False), (admin, name)


def _seed(sessions: Any, count: int) -> None:
    ended = utcnow() - timedelta(days=31)
    with session_scope(sessions) as db:
        site = ensure_site(db=db, code="hq", name="Bench")
        host = create_user(db=db, email="host@example.com", password="x" * 12, role="host")
        for n in range(count):
            visitor = Visitor(subject=secrets.token_hex(8), name=f"Visitor {n}",
                              email=f"v{n}@example.org")
            db.add(visitor)
            db.flush()
            visit = Visit(site_id=site.id, visitor_id=visitor.id, host_id=host.id,
                          starts_at=ended - timedelta(hours=1), ends_at=ended)
            db.add(visit)
            db.flush()
            contact = Contact(open_id=secrets.token_hex(8), site="hq", visitor_id=visitor.id,
                              visit_id=visit.id, name=visitor.name,
                              link_code=secrets.token_hex(4))
            db.add(contact)
            db.flush()
            db.add(ChannelIdentity(contact_id=contact.id, channel="email",
                                   address=visitor.email or ""))
            db.add_all([Message(contact_id=contact.id, kind="incoming", sender="contact",
                                body=f"message {i} from {visitor.name}") for i in range(5)])
            db.add(Notice(key=f"n{n}", visit_id=visit.id, user_id=host.id, kind="arrived",
                          title_en=visitor.name, title_ja=visitor.name, body_en="", body_ja=""))
            db.add_all([AccessEventRecord(id=uuid.uuid4().hex, device="gate-1", site="hq",
                                          at=ended, reason="accepted", visit_id=visit.id,
                                          subject=visitor.subject) for _ in range(3)])


def _seed_past(sessions: Any, *, history: int, recent: int) -> None:
    """Visits that are not due: erased long ago, or ended less than the limit ago."""
    now = utcnow()
    with session_scope(sessions) as db:
        site_id = db.execute(text("SELECT id FROM sites WHERE code = 'hq'")).scalar_one()
        host_id = db.execute(text("SELECT id FROM users LIMIT 1")).scalar_one()
        for start in range(0, history + recent, 5000):
            rows = range(start, min(start + 5000, history + recent))
            visitors = [{"subject": secrets.token_hex(8),
                         "name": "" if n < history else f"Past {n}",
                         "email": None if n < history else f"p{n}@example.org"} for n in rows]
            db.execute(insert(Visitor), visitors)
            ids = dict(db.execute(select(Visitor.subject, Visitor.id).where(
                Visitor.subject.in_([v["subject"] for v in visitors]))).all())
            ended = [now - timedelta(days=60 + n % 340) if n < history
                     else now - timedelta(days=n % 29, hours=1) for n in rows]
            db.execute(insert(Visit), [
                {"site_id": site_id, "visitor_id": ids[v["subject"]], "host_id": host_id,
                 "starts_at": end - timedelta(hours=1), "ends_at": end}
                for v, end in zip(visitors, ended, strict=True)])
            erased = [v for n, v in zip(rows, visitors, strict=True) if n < history]
            if erased:
                db.execute(insert(PrivacyRequest), [
                    {"site": "hq", "visitor_id": ids[v["subject"]], "subject": v["subject"],
                     "kind": "erasure", "source": "retention", "requested_by": "retention",
                     "state": "done", "counts": {}, "created_at": now, "done_at": now}
                    for v in erased])


def main() -> None:
    """Measure and print; results go to benchmarks/results/retention-<db>.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--audit", type=int, default=5000)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--recent", type=int, default=0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url, cleanup = _database(args.database_url, tmp)
    engine = make_engine(url)
    run_migrations(engine)
    sessions = make_session_factory(engine)
    _seed(sessions, args.visitors)
    _seed_past(sessions, history=args.history, recent=args.recent)
    with engine.begin() as conn:  # the statistics a live database has (autovacuum)
        conn.execute(text("ANALYZE"))
    transactions: list[float] = []
    started: dict[int, float] = {}
    event.listen(engine, "begin", lambda c: started.__setitem__(id(c), time.perf_counter()))
    event.listen(engine, "commit", lambda c: transactions.append(
        time.perf_counter() - started.pop(id(c), time.perf_counter())))
    finding: list[float] = []  # the statements that look for due visitors (FROM visitors)

    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        conn.info["og_t0"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT visitors."):
            finding.append(time.perf_counter() - conn.info.pop("og_t0", time.perf_counter()))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    t0 = time.perf_counter()
    report = run_retention(sessions=sessions, settings=Settings(site="hq"), now=utcnow())
    took = time.perf_counter() - t0
    batches = stats_ms(transactions)
    find_s, find_n = sum(finding), len(finding)
    t0 = time.perf_counter()
    idle = run_retention(sessions=sessions, settings=Settings(site="hq"), now=utcnow())
    idle_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(args.audit):
        audit.record_apart(sessions, who=audit.Actor(actor="bench"), action="bench",
                           target=str(i))
    append_s = time.perf_counter() - t0
    with sessions() as db:
        t0 = time.perf_counter()
        verdict = audit.check_chain(db)
        verify_s = time.perf_counter() - t0
    engine.dispose()
    if cleanup is not None:
        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    kind = make_url(url).get_backend_name()
    result = {
        "database": kind, "visitors": args.visitors, "erased": report.visitors_erased,
        "history": args.history, "recent": args.recent,
        "visits": args.visitors + args.history + args.recent,
        "retention_s": round(took, 3), "idle_run_s": round(idle_s, 3),
        "finding_due_s": round(find_s, 3), "finding_due_queries": find_n,
        "idle_run_erased": idle.visitors_erased,
        "visitors_per_s": round(report.visitors_erased / took, 1),
        "longest_transaction_ms": round(batches.get("max", 0.0), 1),
        "transactions": batches, "audit_entries": args.audit,
        "audit_appends_per_s": round(args.audit / append_s, 1),
        "audit_verify_s": round(verify_s, 3), "audit_chain_ok": verdict.ok,
        "machine": machine(),
    }
    print(f"{kind}: {result['visits']} visits; retention erased "
          f"{report.visitors_erased}/{args.visitors} due visitors in "
          f"{took:.2f} s ({result['visitors_per_s']}/s; finding them: {find_n} queries, "
          f"{find_s:.3f} s), a run with nothing due "
          f"{idle_s:.3f} s; longest transaction "
          f"{result['longest_transaction_ms']} ms; audit: {result['audit_appends_per_s']} "
          f"appends/s, verify {args.audit} entries in {verify_s:.3f} s (ok={verdict.ok})")
    name = f"retention-{kind}" + (f"-{result['visits']}" if args.history or args.recent else "")
    print(f"saved {save(name, result)}")


if __name__ == "__main__":
    main()
