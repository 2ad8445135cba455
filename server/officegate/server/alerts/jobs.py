"""The alarms' scheduled work: escalation of alarms nobody acknowledged.

``run_escalation`` only decides (it raises an alarm's ``level``); whichever server's
dispatcher sees the new level first delivers it (alerts/delivery.py). Running the sweep on
two servers at once is harmless: each raise is a conditional UPDATE from the level read.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.alerts import policy as policies
from officegate.server.alerts.models import Alert
from officegate.server.alerts.service import CRITICAL, INFO, changed
from officegate.server.db import session_scope
from officegate.server.settings import Settings

log = logging.getLogger(__name__)
ESCALATION_S = 15.0  # how often unacknowledged alarms are looked at


def due_escalations(*, db: Session, site: str, now: datetime) -> list[int]:
    """Raise the level of each alarm of ``site`` delivered at its current level more than
    the policy's minutes ago and still unacknowledged (and open, or critical); returns ids."""
    policy = policies.get_policy(db=db, site=site)
    cutoff = now - timedelta(minutes=policy.escalate_minutes)
    rows = db.execute(select(Alert.id, Alert.level).where(
        Alert.site == site, Alert.severity != INFO, Alert.acknowledged_at.is_(None),
        or_(Alert.resolved_at.is_(None), Alert.severity == CRITICAL),
        Alert.notified_level == Alert.level, Alert.level < policy.max_level,
        Alert.notified_at.is_not(None), Alert.notified_at <= cutoff)).all()
    raised = []
    for alert_id, level in rows:
        done = changed(db.execute(update(Alert).where(
            Alert.id == alert_id, Alert.level == level, Alert.acknowledged_at.is_(None))
            .values(level=level + 1)))
        if done:
            raised.append(alert_id)
    return raised


def run_escalation(*, sessions: sessionmaker[Session], settings: Settings,
                   now: datetime) -> int:
    """One escalation sweep for the server's site; returns how many alarms went up a level
    (a job of the runtime: one server of several runs it)."""
    with session_scope(sessions) as db:
        raised = due_escalations(db=db, site=settings.site, now=now)
    if raised:
        log.warning("escalated %d unacknowledged alarm(s): %s", len(raised), raised[:20])
    return len(raised)
