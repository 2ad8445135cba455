"""The host's view of visits: who may see which, the live state, list and search."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from officegate.server.arrival.models import ArrivalTrack
from officegate.server.auth.models import Role, User
from officegate.server.checkin.models import CheckIn
from officegate.server.errors import Forbidden, NotFound
from officegate.server.hosts.schemas import VisitRow
from officegate.server.visits.models import Visit, Visitor, VisitorPass

STAFF_ROLES = (Role.ADMIN, Role.STAFF)
PERIODS = ("today", "upcoming", "past")


def visible_visit(*, db: Session, user: User, visit_id: int) -> Visit:
    """The visit if ``user`` may see it (staff: every visit; a host: their own)."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("unknown_visit", f"no visit {visit_id}", f"訪問 {visit_id} はありません")
    if user.role not in STAFF_ROLES and visit.host_id != user.id:
        raise Forbidden("not_your_visit", "hosts see only their own visits",
                        "ホストは自分の来訪者のみ表示できます")
    return visit


def state_of(*, visit: Visit, checkin: CheckIn | None, track: ArrivalTrack | None,
             live_pass: VisitorPass | None, now: datetime) -> str:
    """The one word that says where a visit is now (schemas.STATES)."""
    if visit.cancelled_at is not None:
        return "cancelled"
    status = checkin.status if checkin is not None else None
    if status == "held":
        return "held"
    if status == "refused":
        return "refused"
    if status == "checked_out":
        return "left"
    if live_pass is None and status != "checked_in":
        return "revoked"
    if track is not None and track.met_at is not None:
        return "met"
    if status == "checked_in":
        return "checked_in"
    if track is not None and track.arrived_at is not None:
        return "arrived"
    if track is not None and track.approached_at is not None:
        return "approaching"
    if visit.ends_at < now:
        return "no_show"
    if live_pass is not None and live_pass.bound_at is not None:
        return "pass_opened"
    return "invited"


def _query(user: User, period: str, q: str | None, day_start: datetime,
           day_end: datetime) -> Select[Visit, Visitor, User]:
    query = (select(Visit, Visitor, User).join(Visitor, Visitor.id == Visit.visitor_id)
             .join(User, User.id == Visit.host_id))
    if user.role not in STAFF_ROLES:
        query = query.where(Visit.host_id == user.id)
    if period == "today":
        query = query.where(Visit.starts_at < day_end, Visit.ends_at >= day_start)
        query = query.order_by(Visit.starts_at)
    elif period == "upcoming":
        query = query.where(Visit.starts_at >= day_end).order_by(Visit.starts_at)
    else:
        query = query.where(Visit.ends_at < day_start).order_by(Visit.starts_at.desc())
    if q:
        like = f"%{q.strip()[:100]}%"
        query = query.where(or_(Visitor.name.ilike(like), Visitor.company.ilike(like),
                                Visitor.email.ilike(like)))
    return query


def list_visits(*, db: Session, user: User, period: str, q: str | None, day_start: datetime,
                day_end: datetime, now: datetime, limit: int = 200) -> list[VisitRow]:
    """The visits ``user`` may see in ``period`` (today / upcoming / past), searched by the
    visitor's name, company or e-mail."""
    rows = db.execute(_query(user, period, q, day_start, day_end).limit(limit)).tuples().all()
    return [row_of(db=db, visit=v, visitor=p, host=h, now=now) for v, p, h in rows]


def live_pass(*, db: Session, visit_id: int) -> VisitorPass | None:
    """The pass the visit's link opens now (not revoked), if any."""
    return db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit_id,
                                               VisitorPass.revoked_at.is_(None))
                     .order_by(VisitorPass.id.desc()).limit(1))


def row_of(*, db: Session, visit: Visit, visitor: Visitor, host: User, now: datetime
           ) -> VisitRow:
    """One visit as a list row, with its live state."""
    checkin = db.scalar(select(CheckIn).where(CheckIn.visit_id == visit.id))
    track = db.scalar(select(ArrivalTrack).where(ArrivalTrack.visit_id == visit.id))
    state = state_of(visit=visit, checkin=checkin, track=track,
                     live_pass=live_pass(db=db, visit_id=visit.id), now=now)
    return VisitRow(visit_id=visit.id, visitor_name=visitor.name, company=visitor.company,
                    email=visitor.email, host_name=host.display_name, starts_at=visit.starts_at,
                    ends_at=visit.ends_at, room=visit.room, state=state, source=visit.source)
