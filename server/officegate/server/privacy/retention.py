"""The retention steps, each in batches of short transactions (no long locks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, delete, exists, select
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


def _keyset(sessions: sessionmaker[Session],
            step: Callable[[Session, int], tuple[int, int | None]]) -> int:
    """Run ``step(db, after)`` (one batch of the rows with ids above ``after``; returns how
    many it changed and the last id it read, None when it read none) in its own
    transaction, each batch starting where the one before stopped: a run reads every
    candidate once, however many batches."""
    total, after = 0, 0
    while True:
        with session_scope(sessions) as db:
            done, last = step(db, after)
        if last is None:
            return total
        total, after = total + done, last


def identity_kept() -> ColumnElement[bool]:
    """Visitors whose identity is still stored (erasure blanks the name and the e-mail);
    the partial index ``ix_visitors_identity_kept`` holds exactly these."""
    return (Visitor.name != "") | Visitor.email.is_not(None)


def erase_expired_visitors(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime,
                           now: datetime, counts: dict[str, int]) -> int:
    """Erase visitors of ``site`` whose last visit ended before ``cutoff``.

    Only visitors whose identity is still stored are read (a partial index: the erased
    past costs nothing), in id order a batch at a time; per visitor two index probes on
    ``visits (visitor_id, ends_at)``: a visit here, and none ending at or after ``cutoff``.
    """
    def due(after: int) -> Select[Visitor]:
        return (select(Visitor).where(
            identity_kept(), Visitor.id > after,
            exists().where(Visit.visitor_id == Visitor.id, Visit.site_id == site.id),
            ~exists().where(Visit.visitor_id == Visitor.id, Visit.ends_at >= cutoff))
            .order_by(Visitor.id).limit(BATCH))

    def step(db: Session, after: int) -> tuple[int, int | None]:
        visitors = list(db.scalars(due(after)))
        if not visitors:
            return 0, None
        done = erasure.erase_visitors(db=db, visitors=visitors, now=now)
        for key, value in done.items():
            counts[key] = counts.get(key, 0) + value
        # One request per visitor, so each can see it on their record (counts: the batch's).
        db.add_all([PrivacyRequest(site=site.code, visitor_id=v.id, subject=v.subject,
                                   kind="erasure", source="retention", requested_by="retention",
                                   state="done", counts={}, created_at=now, done_at=now)
                    for v in visitors])
        return len(visitors), visitors[-1].id

    return _keyset(sessions, step)


def erase_idle_contacts(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime,
                        counts: dict[str, int]) -> int:
    """People who chatted without a visit (a widget, LINE): their addresses and messages go
    once their last message is older than ``cutoff``."""
    def due(after: int) -> Select[int]:
        return (select(Contact.id).where(
            Contact.site == site.code, Contact.visitor_id.is_(None), Contact.id > after,
            Contact.created_at < cutoff,
            ~exists().where(Message.contact_id == Contact.id, Message.created_at >= cutoff),
            exists().where(ChannelIdentity.contact_id == Contact.id)
            | exists().where(Message.contact_id == Contact.id, Message.body != "")
            | (Contact.name != ""))
            .order_by(Contact.id).limit(BATCH))

    def step(db: Session, after: int) -> tuple[int, int | None]:
        ids = list(db.scalars(due(after)))
        if not ids:
            return 0, None
        db.execute(delete(ChannelIdentity).where(ChannelIdentity.contact_id.in_(ids)))
        for contact in db.scalars(select(Contact).where(Contact.id.in_(ids))):
            contact.name, contact.avatar_url = "", None
        counts["messages"] = counts.get("messages", 0) + erasure.erase_messages(db, ids)
        return len(ids), ids[-1]

    return _keyset(sessions, step)


def forget_arrival(sessions: sessionmaker[Session], *, site: Site, cutoff: datetime) -> int:
    """Arrival decisions of visits that ended before ``cutoff``."""
    def step(db: Session, after: int) -> tuple[int, int | None]:
        ids = list(db.scalars(
            select(Visit.id).join(ArrivalTrack, ArrivalTrack.visit_id == Visit.id)
            .where(Visit.site_id == site.id, Visit.ends_at < cutoff, Visit.id > after,
                   ArrivalTrack.owntracks_user.is_not(None)
                   | ArrivalTrack.last_distance_m.is_not(None)
                   | ArrivalTrack.approach_distance_m.is_not(None)
                   | ArrivalTrack.arrival_distance_m.is_not(None))
            .order_by(Visit.id).limit(BATCH)))
        if not ids:
            return 0, None
        return erasure.erase_arrival(db=db, visit_ids=ids), ids[-1]

    return _keyset(sessions, step)


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
