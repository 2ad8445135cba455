"""The retention job: ``run_retention`` (a plain function) and its registration.

Like occupancy/jobs.py's no-show sweep, it runs on a thread started with the app; the
registration (:data:`RETENTION_JOB`) is what a "one leader per job" runner calls. Until
then a PostgreSQL advisory lock keeps two servers from running it at the same time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.audit import service as audit
from officegate.server.db import session_scope, utcnow
from officegate.server.deps import ServerState
from officegate.server.privacy import retention
from officegate.server.privacy.policy import retention_of
from officegate.server.settings import Settings
from officegate.server.sites.models import Site

log = logging.getLogger(__name__)
LOCK_KEY = 0x0FF1CE15  # pg advisory lock id of this job


@dataclass
class RetentionReport:
    """What one run removed, per kind (numbers only: a report holds no personal data)."""

    visitors_erased: int = 0
    contacts_erased: int = 0
    arrival_tracks: int = 0
    access_events_deleted: int = 0
    audit_entries_deleted: int = 0
    details: dict[str, int] = field(default_factory=dict)  # passes revoked, messages, ...
    skipped: bool = False  # another server holds the lock

    def as_dict(self) -> dict[str, object]:
        """The report as plain values."""
        return {"visitors_erased": self.visitors_erased, "contacts_erased": self.contacts_erased,
                "arrival_tracks": self.arrival_tracks,
                "access_events_deleted": self.access_events_deleted,
                "audit_entries_deleted": self.audit_entries_deleted, **self.details}

    @property
    def removed_anything(self) -> bool:
        """Whether this run changed anything."""
        return any(v for k, v in self.as_dict().items() if isinstance(v, int))


@contextmanager
def _only_leader(sessions: sessionmaker[Session]) -> Iterator[bool]:
    """True when this process may run the job now (always on SQLite, one server)."""
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        yield True
        return
    with bind.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                   .scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()


def run_retention(*, sessions: sessionmaker[Session], settings: Settings,
                  now: datetime | None = None) -> RetentionReport:
    """Apply every site's retention policy as of ``now``; returns the counts removed."""
    now = now or utcnow()
    report = RetentionReport()
    with _only_leader(sessions) as leader:
        if not leader:
            report.skipped = True
            return report
        with session_scope(sessions) as db:
            policies = [(site, retention_of(db=db, site=site))
                        for site in db.scalars(select(Site).order_by(Site.id))]
        for site, policy in policies:
            cut = retention.cutoff(now, policy.identity_days)
            report.visitors_erased += retention.erase_expired_visitors(
                sessions, site=site, cutoff=cut, now=now, counts=report.details)
            report.contacts_erased += retention.erase_idle_contacts(
                sessions, site=site, cutoff=cut, counts=report.details)
            report.arrival_tracks += retention.forget_arrival(
                sessions, site=site, cutoff=retention.cutoff(now, policy.arrival_days))
            report.access_events_deleted += retention.delete_access_events(
                sessions, site=site, cutoff=retention.cutoff(now, policy.access_days))
        if policies:
            longest = max(p.audit_days for _s, p in policies)
            report.audit_entries_deleted = audit.prune(
                sessions, before=retention.cutoff(now, longest))
        if report.removed_anything:
            audit.record_apart(sessions, who=audit.Actor(actor="retention", site=settings.site),
                               action="retention.run", after=report.as_dict(), at=now)
    log.info("retention: %s", report.as_dict())
    return report


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job a scheduler runs every ``every``: ``run(state)``."""

    name: str
    every: timedelta
    run: Callable[[ServerState], object]


def republish_revocations(state: ServerState) -> None:
    """Have the edges hear the revocation list again (an erased visitor's passes)."""
    if state.bridge is not None:
        try:
            state.bridge.publish_revocations()
        except Exception:  # the next change or reconnect publishes it again
            log.exception("could not publish revocations")


def run_for_state(state: ServerState) -> RetentionReport:
    """One run for a running server; republishes revocations if passes were revoked."""
    report = run_retention(sessions=state.sessions, settings=state.settings, now=utcnow())
    if report.details.get("passes_revoked"):
        republish_revocations(state)
    return report


RETENTION_JOB = PeriodicJob(name="privacy.retention", every=timedelta(hours=1),
                            run=run_for_state)


class JobThread:
    """A thread that runs one :class:`PeriodicJob` on its interval (first run after one
    interval, so a start-up is never slowed)."""

    def __init__(self, state: ServerState, job: PeriodicJob) -> None:
        self.state, self.job = state, job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=job.name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for it."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.job.every.total_seconds()):
            try:
                self.job.run(self.state)
            except Exception:
                log.exception("%s failed; will retry", self.job.name)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the retention job while the app runs."""
    thread = JobThread(app.state.officegate, RETENTION_JOB)
    thread.start()
    try:
        yield
    finally:
        thread.stop()
