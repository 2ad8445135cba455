"""The retention job: ``run_retention`` (a plain function) and its entry in the runtime's
job table (:func:`retention_job`; the JobRunner runs it on one server at a time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.audit import service as audit
from officegate.server.db import session_scope, utcnow
from officegate.server.deps import ServerState
from officegate.server.errors import Conflict
from officegate.server.jobs import AlreadyRunning, Job, leadership_for
from officegate.server.occupancy.jobs import publish_revocations as republish_revocations
from officegate.server.privacy import retention
from officegate.server.privacy.policy import retention_of
from officegate.server.settings import Settings
from officegate.server.sites.models import Site

log = logging.getLogger(__name__)
RETENTION_JOB_NAME = "privacy-retention"
RETENTION_EVERY_S = 3600.0  # retention is counted in days: hourly is "on the day"


@dataclass
class RetentionReport:
    """What one run removed, per kind (numbers only: a report holds no personal data)."""

    visitors_erased: int = 0
    contacts_erased: int = 0
    arrival_tracks: int = 0
    access_events_deleted: int = 0
    audit_entries_deleted: int = 0
    details: dict[str, int] = field(default_factory=dict)  # passes revoked, messages, ...

    def as_dict(self) -> dict[str, int]:
        """The report as plain values."""
        return {"visitors_erased": self.visitors_erased, "contacts_erased": self.contacts_erased,
                "arrival_tracks": self.arrival_tracks,
                "access_events_deleted": self.access_events_deleted,
                "audit_entries_deleted": self.audit_entries_deleted, **self.details}

    @property
    def removed_anything(self) -> bool:
        """Whether this run changed anything."""
        return any(self.as_dict().values())


def run_retention(*, sessions: sessionmaker[Session], settings: Settings,
                  now: datetime | None = None) -> RetentionReport:
    """Apply every site's retention policy as of ``now``, each step in batches of short
    transactions; returns the counts removed (also logged, and on the audit log)."""
    now = now or utcnow()
    report = RetentionReport()
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


def run_for_state(state: ServerState) -> RetentionReport:
    """One run for a running server; republishes revocations if passes were revoked."""
    report = run_retention(sessions=state.sessions, settings=state.settings, now=utcnow())
    if report.details.get("passes_revoked"):
        republish_revocations(state)
    return report


def run_now(state: ServerState) -> RetentionReport:
    """An admin's "run now", under the same run lock as the scheduled runs (on every
    server): Conflict (409, ``retention_running``) while a run is under way."""
    runner = state.runtime.jobs if state.runtime is not None else None
    try:
        if runner is not None:
            result = runner.run_now(RETENTION_JOB_NAME)
        else:  # a server without its sweeps (no runtime): the lock all the same
            with leadership_for(state.engine).running(RETENTION_JOB_NAME) as free:
                if not free:
                    raise AlreadyRunning(RETENTION_JOB_NAME)
                result = run_for_state(state)
    except AlreadyRunning:
        raise Conflict("retention_running",
                       "retention is already running; its report will be on the audit log",
                       "保存期間の処理はすでに実行中です。結果は監査ログに記録されます") from None
    assert isinstance(result, RetentionReport)  # noqa: S101 -- the job's own return value
    return result


def retention_job(state: ServerState) -> Job:
    """The retention sweep for the runtime's job table: hourly, on the one server that
    leads it."""
    return Job(RETENTION_JOB_NAME, RETENTION_EVERY_S, lambda: run_for_state(state))
