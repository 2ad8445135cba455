"""The retention steps, each in batches of short transactions (no long locks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.access.models import AccessEventRecord
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.db import session_scope
from officegate.server.messaging.models import ChannelIdentity, Contact, Message
from officegate.server.privacy import erasure
from officegate.server.privacy.models import PrivacyRequest
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor

BATCH = 100


def _batches(sessions: sessionmaker[Session], step: Callable[[Session], int]) -> int:
    """Run ``step`` (one batch, returns how many it did) in its own transaction until a
    batch does nothing."""
    total = 0
    while True:
        with session_scope(sessions) as db:
            done = step(db)
        if not done:
            return total
        total += done


def erase_expired_visitors(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime,
                           now: datetime, counts: dict[str, int]) -> int:
    """Erase visitors of ``site`` whose last visit ended before ``cutoff``."""
    erased = select(PrivacyRequest.visitor_id).where(
        PrivacyRequest.kind == "erasure", PrivacyRequest.state == "done",
        PrivacyRequest.visitor_id.is_not(None))
    last_end = (select(Visit.visitor_id, func.max(Visit.ends_at).label("ended"))
                .group_by(Visit.visitor_id).subquery())
    due = (select(Visitor).join(last_end, last_end.c.visitor_id == Visitor.id)
           .where(last_end.c.ended < cutoff, Visitor.id.not_in(erased),
                  exists().where(Visit.visitor_id == Visitor.id, Visit.site_id == site.id))
           .order_by(Visitor.id).limit(BATCH))

    def step(db: Session) -> int:
        visitors = list(db.scalars(due))
        if not visitors:
            return 0
        done = erasure.erase_visitors(db=db, visitors=visitors, now=now)
        for key, value in done.items():
            counts[key] = counts.get(key, 0) + value
        # One request per visitor, so each can see it on their record (counts: the batch's).
        db.add_all([PrivacyRequest(site=site.code, visitor_id=v.id, subject=v.subject,
                                   kind="erasure", source="retention", requested_by="retention",
                                   state="done", counts={}, created_at=now, done_at=now)
                    for v in visitors])
        return len(visitors)

    return _batches(sessions, step)


def erase_idle_contacts(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime,
                        counts: dict[str, int]) -> int:
    """People who chatted without a visit (a widget, LINE): their addresses and messages go
    once their last message is older than ``cutoff``."""
    newest = (select(Message.contact_id, func.max(Message.created_at).label("last"))
              .group_by(Message.contact_id).subquery())
    due = (select(Contact.id).outerjoin(newest, newest.c.contact_id == Contact.id)
           .where(Contact.site == site.code, Contact.visitor_id.is_(None),
                  func.coalesce(newest.c.last, Contact.created_at) < cutoff,
                  exists().where(ChannelIdentity.contact_id == Contact.id)
                  | exists().where(Message.contact_id == Contact.id, Message.body != "")
                  | (Contact.name != ""))
           .order_by(Contact.id).limit(BATCH))

    def step(db: Session) -> int:
        ids = list(db.scalars(due))
        if ids:
            db.execute(delete(ChannelIdentity).where(ChannelIdentity.contact_id.in_(ids)))
            for contact in db.scalars(select(Contact).where(Contact.id.in_(ids))):
                contact.name = ""
            counts["messages"] = counts.get("messages", 0) + erasure.erase_messages(db, ids)
        return len(ids)

    return _batches(sessions, step)


def forget_arrival(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime) -> int:
    """Arrival decisions of visits that ended before ``cutoff``."""
    def step(db: Session) -> int:
        ids = list(db.scalars(
            select(Visit.id).join(ArrivalTrack, ArrivalTrack.visit_id == Visit.id)
            .where(Visit.site_id == site.id, Visit.ends_at < cutoff,
                   ArrivalTrack.owntracks_user.is_not(None)
                   | ArrivalTrack.last_distance_m.is_not(None)
                   | ArrivalTrack.approach_distance_m.is_not(None)
                   | ArrivalTrack.arrival_distance_m.is_not(None))
            .order_by(Visit.id).limit(BATCH)))
        return erasure.erase_arrival(db=db, visit_ids=ids) if ids else 0

    return _batches(sessions, step)


def delete_access_events(sessions: sessionmaker[Session], *, site: Site,
                         cutoff: datetime) -> int:
    """Access events of ``site`` older than ``cutoff``."""
    def step(db: Session) -> int:
        ids = list(db.scalars(select(AccessEventRecord.id).where(
            AccessEventRecord.site == site.code, AccessEventRecord.at < cutoff)
            .order_by(AccessEventRecord.at).limit(BATCH)))
        if ids:
            db.execute(delete(AccessEventRecord).where(AccessEventRecord.id.in_(ids)))
        return len(ids)

    return _batches(sessions, step)


def cutoff(now: datetime, days: int) -> datetime:
    """The moment before which data kept ``days`` days is due."""
    return now - timedelta(days=days)
