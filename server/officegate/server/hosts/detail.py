"""One visit, joined from every domain that knows something about it: the pass, arrival,
check-in, meetings, drinks, the conversation timeline and the access events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.access.models import AccessEventRecord as AccessEvent
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.auth.models import User
from officegate.server.checkin.models import CheckIn
from officegate.server.hosts import views
from officegate.server.hosts.schemas import TimelineItem, VisitDetail
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.messaging import contacts
from officegate.server.messaging.models import Conversation, Message
from officegate.server.messaging.service import timeline
from officegate.server.vending.models import DrinkOrder
from officegate.server.visits.models import Visit, Visitor, VisitorPass

MAX_ITEMS = 300


def visit_detail(*, db: Session, user: User, visit: Visit, now: datetime) -> VisitDetail:
    """Everything about ``visit`` the ``user`` may see (hosts: no staff-only notes)."""
    visitor = db.get(Visitor, visit.visitor_id)
    host = db.get(User, visit.host_id)
    assert visitor is not None and host is not None
    row = views.row_of(db=db, visit=visit, visitor=visitor, host=host, now=now)
    checkin = db.scalar(select(CheckIn).where(CheckIn.visit_id == visit.id))
    track = db.scalar(select(ArrivalTrack).where(ArrivalTrack.visit_id == visit.id))
    live = views.live_pass(db=db, visit_id=visit.id)
    newest = db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit.id)
                       .order_by(VisitorPass.id.desc()).limit(1))
    items, conversation_id = _messages(db, visit, staff=user.role in views.STAFF_ROLES)
    items += _access(db, visit) + _drinks(db, visit)
    items.sort(key=lambda item: item.at)
    shown = live or newest
    return VisitDetail(
        **row.model_dump(), phone=visitor.phone, lang=visitor.lang, note=visit.note,
        pass_id=shown.pass_id if shown is not None else None,
        pass_bound=bool(live and live.bound_device_hash), pass_revoked=live is None,
        held_reason=checkin.held_reason if checkin and checkin.status == "held" else None,
        checked_in_at=checkin.checked_in_at if checkin else None,
        arrived_at=track.arrived_at if track else None, met_at=track.met_at if track else None,
        meetings=_meetings(db, visit), timeline=items[-MAX_ITEMS:],
        conversation_id=conversation_id)


def _messages(db: Session, visit: Visit, *, staff: bool
              ) -> tuple[list[TimelineItem], int | None]:
    contact = contacts.contact_for_visit(db=db, visit_id=visit.id)
    if contact is None:
        return [], None
    rows: list[Message] = timeline(db=db, contact=contact, staff=staff, limit=MAX_ITEMS)
    items = [TimelineItem(at=m.created_at, kind=m.kind, text=m.body[:2000],
                          detail={"event": m.event_kind, "channel": m.channel,
                                  "sender": m.sender}) for m in rows]
    conv = db.scalar(select(Conversation.id).where(Conversation.contact_id == contact.id)
                     .order_by(Conversation.id.desc()).limit(1))
    return items, conv


def _access(db: Session, visit: Visit) -> list[TimelineItem]:
    rows = db.scalars(select(AccessEvent).where(AccessEvent.visit_id == visit.id)
                      .order_by(AccessEvent.at.desc()).limit(100))
    return [TimelineItem(at=e.at, kind="access", text=e.device,
                         detail={"reason": e.reason, "device": e.device}) for e in rows]


def _drinks(db: Session, visit: Visit) -> list[TimelineItem]:
    rows = db.scalars(select(DrinkOrder).where(DrinkOrder.visit_id == visit.id).limit(20))
    return [TimelineItem(at=o.created_at, kind="drink", text=o.name_en,
                         detail={"status": o.status, "name_ja": o.name_ja,
                                 "name_en": o.name_en}) for o in rows]


def _meetings(db: Session, visit: Visit) -> list[dict[str, object]]:
    rows = db.execute(select(Meeting, Room).join(Attendee, Attendee.meeting_id == Meeting.id)
                      .join(Room, Room.id == Meeting.room_id)
                      .where(Attendee.visit_id == visit.id))
    return [{"id": m.id, "title": m.title, "room": r.label, "starts_at": m.starts_at.isoformat(),
             "ends_at": m.ends_at.isoformat(), "status": m.status} for m, r in rows]
