"""Access events: stored once per event id, listed for the access log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from officegate.protocol.decision import Reason
from officegate.protocol.messages import AccessEvent
from officegate.server.access.labels import reason_label
from officegate.server.access.models import AccessEventRecord
from officegate.server.access.schemas import AccessEventOut, AccessFilter
from officegate.server.auth.models import Role, User
from officegate.server.db import utcnow
from officegate.server.localtime import day_bounds
from officegate.server.visits.models import Visit, Visitor

log = logging.getLogger(__name__)


def ingest_event(*, db: Session, event: AccessEvent) -> bool:
    """Store ``event`` unless its id is already stored; True when it was new.

    INSERT ... ON CONFLICT DO NOTHING keeps this race-free when two deliveries of the same
    event arrive at once (QoS 1 may deliver twice, an edge outbox may resend).
    """
    values = {
        "id": event.id, "device": event.device, "site": event.site,
        "at": datetime.fromtimestamp(event.at, UTC), "kind": event.kind,
        "reason": event.reason, "pass_id": event.pass_id.lower() if event.pass_id else None,
        "visit_id": event.visit_id, "subject": event.subject, "kid": event.kid,
        "latency_ms": event.latency_ms, "detail": event.detail[:2000], "received_at": utcnow(),
    }
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(AccessEventRecord).values(**values).on_conflict_do_nothing(
        index_elements=["id"]).returning(AccessEventRecord.id)
    inserted = db.execute(stmt).scalar_one_or_none() is not None
    if inserted and event.reason == Reason.ACCEPTED.value and event.visit_id is not None:
        visit = db.get(Visit, event.visit_id)
        if visit is not None and visit.checked_in_at is None:
            visit.checked_in_at = datetime.fromtimestamp(event.at, UTC)
    return inserted


def ingest_events(*, db: Session, events: list[AccessEvent]) -> list[AccessEvent]:
    """Store many events in one multi-row INSERT ... ON CONFLICT DO NOTHING; returns the new
    ones (the rest were already stored). Same effects per event as :func:`ingest_event`."""
    if not events:
        return []
    unique = list({e.id: e for e in events}.values())
    now = utcnow()
    rows = [{
        "id": e.id, "device": e.device, "site": e.site,
        "at": datetime.fromtimestamp(e.at, UTC), "kind": e.kind, "reason": e.reason,
        "pass_id": e.pass_id.lower() if e.pass_id else None, "visit_id": e.visit_id,
        "subject": e.subject, "kid": e.kid, "latency_ms": e.latency_ms,
        "detail": e.detail[:2000], "received_at": now,
    } for e in unique]
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement executed with many parameter sets: SQLAlchemy's "insertmanyvalues" sends
    # it in batched multi-row INSERTs and compiles it once (a fresh .values(list) statement
    # per batch cost more in compiling than the database spent inserting).
    stmt = insert(AccessEventRecord).on_conflict_do_nothing(
        index_elements=["id"]).returning(AccessEventRecord.id)
    new_ids = set(db.execute(stmt, rows).scalars())
    new = [e for e in unique if e.id in new_ids]
    check_in_visits(db=db, new=new)
    return new


def check_in_visits(*, db: Session, new: list[AccessEvent]) -> None:
    """The first accepted scan of a visit's pass checks the visit in (``new``: events just
    stored, not seen before)."""
    for event in new:
        if event.reason == Reason.ACCEPTED.value and event.visit_id is not None:
            visit = db.get(Visit, event.visit_id)
            if visit is not None and visit.checked_in_at is None:
                visit.checked_in_at = datetime.fromtimestamp(event.at, UTC)


def list_events(*, db: Session, viewer: User, filters: AccessFilter,
                time_zone: str = "UTC") -> list[AccessEventOut]:
    """Access events newest first; hosts see only their own visitors' events. The ``date``
    filter is a calendar day in ``time_zone`` (the site's)."""
    query = (
        select(AccessEventRecord, Visitor.name)
        .outerjoin(Visit, Visit.id == AccessEventRecord.visit_id)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .order_by(AccessEventRecord.at.desc(), AccessEventRecord.id)
        .limit(filters.limit)
    )
    if viewer.role == Role.HOST:
        query = query.where(Visit.host_id == viewer.id)
    if filters.device:
        query = query.where(AccessEventRecord.device == filters.device)
    if filters.reason:
        query = query.where(AccessEventRecord.reason == filters.reason.value)
    if filters.date:
        start, end = day_bounds(filters.date, time_zone)
        query = query.where(AccessEventRecord.at >= start, AccessEventRecord.at < end)
    rows = db.execute(query).all()
    out = []
    for record, visitor_name in rows:
        en, ja = reason_label(record.reason)
        out.append(AccessEventOut(
            id=record.id, at=record.at, device=record.device, reason=record.reason,
            reason_en=en, reason_ja=ja, accepted=record.reason == Reason.ACCEPTED.value,
            visit_id=record.visit_id, visitor_name=visitor_name, pass_id=record.pass_id,
            detail=record.detail, latency_ms=record.latency_ms,
        ))
    return out
