"""Room signals in, meeting occupancy out: stored once per event id, judged by ``rules``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.journey import JourneyEvent, Kind
from officegate.server.meetings import service as meetings
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.occupancy import rules
from officegate.server.occupancy.models import RoomEvent
from officegate.server.visits.models import Visit

KINDS = ("entry", "denied", "exit", "motion", "still")
TAIL = timedelta(hours=4)  # how long after its end a meeting may still be running (overrun)


def room_of_device(*, db: Session, device: str) -> tuple[Room, str] | None:
    """The room whose door or sensor is ``device``, and which of the two it is."""
    room = db.scalar(select(Room).where(or_(Room.door == device, Room.sensor == device)))
    if room is None:
        return None
    return room, "door" if room.door == device else "sensor"


def record(*, db: Session, event_id: str, room: Room, kind: str, at: datetime, device: str,
           subject: str | None = None, visit_id: int | None = None) -> bool:
    """Store one room signal unless its id is stored already; True when it was new."""
    if kind not in KINDS:
        raise ValueError(f"unknown room signal {kind!r}")
    values = {"id": event_id[:64], "room_id": room.id, "kind": kind, "at": at,
              "device": device, "subject": subject, "visit_id": visit_id,
              "received_at": datetime.now(UTC)}
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(RoomEvent).values(**values).on_conflict_do_nothing(
        index_elements=["id"]).returning(RoomEvent.id)
    return db.execute(stmt).scalar_one_or_none() is not None


def signals(*, db: Session, room: Room, start: datetime, end: datetime) -> list[rules.Signal]:
    """The room's signals in [start, end], oldest first (denials are not signals)."""
    rows = db.scalars(select(RoomEvent).where(
        RoomEvent.room_id == room.id, RoomEvent.at >= start, RoomEvent.at <= end,
        RoomEvent.kind != "denied").order_by(RoomEvent.at, RoomEvent.id))
    return [rules.Signal(r.kind, r.at, r.subject) for r in rows]


def _window_end(db: Session, meeting: Meeting) -> datetime:
    """Signals belong to a meeting until the next one's early window (or a few hours)."""
    following = db.scalar(select(Meeting.starts_at).where(
        Meeting.room_id == meeting.room_id, Meeting.starts_at > meeting.starts_at,
        Meeting.status == "scheduled").order_by(Meeting.starts_at).limit(1))
    end = meeting.ends_at + TAIL
    if following is not None:
        end = min(end, following - rules.EARLY)
    return max(end, meeting.ends_at)


def occupancy(*, db: Session, meeting: Meeting, now: datetime,
              no_show_after: timedelta = rules.NO_SHOW_AFTER) -> rules.MeetingOccupancy:
    """What the room's signals say about ``meeting`` as of ``now``.

    An all-day booking is never a no-show early: nobody is due at midnight, and a room held
    for the day (training, interviews) is used in bursts. It is judged when the day is over:
    no entry and no motion all day is a no-show then.
    """
    room = db.get(Room, meeting.room_id)
    assert room is not None
    if meeting.all_day:
        no_show_after = meeting.ends_at - meeting.starts_at
    end = min(now, _window_end(db, meeting))
    found = signals(db=db, room=room, start=meeting.starts_at - rules.EARLY, end=end)
    return rules.meeting_occupancy(found, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                   now=end, no_show_after=no_show_after)


@dataclass(frozen=True, slots=True)
class Update:
    """What an update found: journey events to publish and whether doors must be told."""

    events: list[JourneyEvent]
    revocations_changed: bool = False


def _journey(db: Session, meeting: Meeting, kind: str, at: datetime, site: str,
             **data: object) -> list[JourneyEvent]:
    """One event per visitor's visit (each visitor's timeline), or one without a visit."""
    room = db.get(Room, meeting.room_id)
    host = db.get(User, meeting.host_id)
    base = {"meeting_id": meeting.id, "title": meeting.title,
            "room": room.label if room else None, "host_email": host.email if host else None,
            "starts_at": meeting.starts_at.isoformat(), **data}
    visit_ids: list[int | None] = [a.visit_id for a in meetings.attendees(db=db, meeting=meeting)
                                   if a.visit_id is not None] or [None]
    return [JourneyEvent(kind=Kind(kind), key=f"{kind}:{meeting.id}:{v}", at=at, visit_id=v,
                         site=site, data=base) for v in visit_ids]


# A visitor who checked in waits for the host; past this, the visitor is told the host is late.
HOST_LATE_AFTER = timedelta(minutes=5)


def update_meeting(*, db: Session, meeting: Meeting, now: datetime, site: str,
                   no_show_after: timedelta = rules.NO_SHOW_AFTER) -> Update:
    """Bring ``meeting``'s actual start/end and status up to date; release a no-show."""
    if meeting.status != "scheduled":
        return Update([])
    occ = occupancy(db=db, meeting=meeting, now=now, no_show_after=no_show_after)
    events: list[JourneyEvent] = []
    if occ.no_show:
        change = meetings.cancel_meeting(db=db, meeting=meeting, status="no_show")
        if not meeting.all_day:  # an unused day is only recorded: nothing is left to release
            events += _journey(db, meeting, "no_show", now, site,
                               minutes=int(no_show_after.total_seconds() // 60))
        return Update(events, change.revocations_changed)
    if occ.actual_start is not None and meeting.actual_start is None:
        late = occ.late_start.total_seconds() / 60 if occ.late_start else 0.0
        events += _journey(db, meeting, "meeting_started", occ.actual_start, site,
                           late_minutes=round(late, 1))
    if occ.actual_end is not None and meeting.actual_end != occ.actual_end:
        over = occ.overrun.total_seconds() / 60 if occ.overrun else 0.0
        events += _journey(db, meeting, "meeting_ended", occ.actual_end, site,
                           overrun_minutes=round(over, 1))
    if (occ.actual_start is None and not meeting.all_day
            and now >= meeting.starts_at + HOST_LATE_AFTER):
        waiting = _checked_in_visits(db, meeting)
        if waiting:  # someone came and is waiting; nobody has opened the room yet
            minutes = int((now - meeting.starts_at).total_seconds() // 60)
            # The key is the same at every sweep: subscribers tell the visitor once.
            events += [e for e in _journey(db, meeting, "host_late", now, site, minutes=minutes)
                       if e.visit_id in waiting]
    meeting.actual_start, meeting.actual_end = occ.actual_start, occ.actual_end
    return Update(events)


def _checked_in_visits(db: Session, meeting: Meeting) -> set[int]:
    """Visit ids of this meeting's visitors who have checked in at the lobby."""
    visit_ids = [a.visit_id for a in meetings.attendees(db=db, meeting=meeting)
                 if a.visit_id is not None]
    if not visit_ids:
        return set()
    return set(db.scalars(select(Visit.id).where(Visit.id.in_(visit_ids),
                                                 Visit.checked_in_at.is_not(None))))


def entered(*, db: Session, meeting: Meeting, subject: str, at: datetime, site: str
            ) -> list[JourneyEvent]:
    """A ``room_entered`` journey event for the attendee with ``subject``, if invited."""
    attendee = db.scalar(select(Attendee).where(Attendee.meeting_id == meeting.id,
                                                Attendee.subject == subject))
    room = db.get(Room, meeting.room_id)
    data = {"meeting_id": meeting.id, "room": room.label if room else None,
            "name": attendee.name if attendee else None, "invited": attendee is not None}
    return [JourneyEvent(kind=Kind.ROOM_ENTERED, key=f"room_entered:{meeting.id}:{subject}:{at}",
                         at=at, visit_id=attendee.visit_id if attendee else None, site=site,
                         data=data)]


def current_meeting(*, db: Session, room: Room, at: datetime) -> Meeting | None:
    """The scheduled meeting whose early window, slot or tail contains ``at``."""
    rows = db.scalars(select(Meeting).where(
        Meeting.room_id == room.id, Meeting.status == "scheduled",
        Meeting.starts_at <= at + rules.EARLY, Meeting.ends_at >= at - TAIL,
    ).order_by(Meeting.starts_at.desc()))
    for meeting in rows:
        if at <= _window_end(db, meeting):
            return meeting
    return None


def sweep(*, db: Session, now: datetime, site: str,
          no_show_after: timedelta = rules.NO_SHOW_AFTER) -> Update:
    """Judge every scheduled meeting that has started: record starts/ends, release no-shows."""
    events: list[JourneyEvent] = []
    changed = False
    rows = list(db.scalars(select(Meeting).where(
        Meeting.status == "scheduled", Meeting.starts_at <= now,
        Meeting.ends_at >= now - TAIL - timedelta(days=1))))
    for meeting in rows:
        update = update_meeting(db=db, meeting=meeting, now=now, site=site,
                                no_show_after=no_show_after)
        events += update.events
        changed |= update.revocations_changed
    return Update(events, changed)
