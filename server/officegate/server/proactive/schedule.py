"""Journey steps that are a matter of the clock: the day-before reminder, "meeting starting",
and "pass opened" (seen on the pass record). A sweep every minute publishes them on the
journey bus with stable keys, so sweeping twice, or two servers sweeping, sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.db import session_scope, utcnow
from officegate.server.journey import JourneyBus, JourneyEvent, Kind
from officegate.server.messaging import service as messaging
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, VisitorPass

log = logging.getLogger(__name__)
REMINDER_BEFORE = timedelta(hours=24)
STARTING_BEFORE = timedelta(minutes=5)
SWEEP_EVERY_S = 60.0
LOOKBACK = timedelta(minutes=3)  # pass openings newer than this are announced


def due_events(*, db: Session, now: datetime) -> list[JourneyEvent]:
    """The clock-driven journey events due at ``now``."""
    events: list[JourneyEvent] = []
    upcoming = db.execute(select(Visit, Site.code).join(Site, Site.id == Visit.site_id).where(
        Visit.starts_at > now, Visit.starts_at <= now + REMINDER_BEFORE))
    for visit, site in upcoming:
        live = db.scalar(select(VisitorPass.id).where(VisitorPass.visit_id == visit.id,
                                                      VisitorPass.revoked_at.is_(None)))
        if live is None:
            continue  # cancelled: no reminders
        lead = visit.starts_at - visit.created_at
        if lead > REMINDER_BEFORE + timedelta(hours=1) and visit.starts_at - now > \
                timedelta(hours=1):  # an invitation made this morning needs no reminder
            events.append(JourneyEvent(kind=Kind.REMINDER_DUE, key=f"reminder_due:{visit.id}",
                                       at=now, visit_id=visit.id, site=site))
        if visit.starts_at - now <= STARTING_BEFORE:
            events.append(JourneyEvent(kind=Kind.MEETING_STARTING,
                                       key=f"meeting_starting:{visit.id}", at=now,
                                       visit_id=visit.id, site=site, data={"room": visit.room}))
    opened = db.execute(select(VisitorPass.visit_id, VisitorPass.bound_at, Site.code)
                        .join(Visit, Visit.id == VisitorPass.visit_id)
                        .join(Site, Site.id == Visit.site_id)
                        .where(VisitorPass.bound_at >= now - LOOKBACK))
    for visit_id, bound_at, site in opened:
        events.append(JourneyEvent(kind=Kind.PASS_OPENED, key=f"pass_opened:{visit_id}",
                                   at=bound_at or now, visit_id=visit_id, site=site))
    return events


def sweep(*, sessions: sessionmaker[Session], journey: JourneyBus,
          now: datetime | None = None) -> int:
    """Publish what is due; the number of events published."""
    now = now or utcnow()
    with session_scope(sessions) as db:
        events = due_events(db=db, now=now)
        messaging.wake_snoozed(db=db, now=now)
    for event in events:
        journey.publish(event)
    return len(events)
