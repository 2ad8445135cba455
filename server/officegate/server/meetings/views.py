"""Meeting rows to API shapes, with the occupancy the room's signals show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.meetings import service
from officegate.server.meetings.models import Meeting, Room
from officegate.server.meetings.schemas import AttendeeOut, MeetingOut
from officegate.server.occupancy import service as occupancy


def meeting_out(*, db: Session, meeting: Meeting, now: datetime) -> MeetingOut:
    """``meeting`` with actual start/end, who entered and who is inside as of ``now``."""
    room = db.get(Room, meeting.room_id)
    host = db.get(User, meeting.host_id)
    assert room is not None and host is not None
    occ = occupancy.occupancy(db=db, meeting=meeting, now=now)
    first_entry: dict[str, datetime] = {}
    for entry in occ.entries:
        first_entry.setdefault(entry.who, entry.at)
    people = [AttendeeOut(kind=a.kind, name=a.name, email=a.email, visit_id=a.visit_id,
                          entered_at=first_entry.get(a.subject),
                          inside=a.subject in occ.inside)
              for a in service.attendees(db=db, meeting=meeting)]
    status = meeting.status
    state = {"cancelled": "cancelled", "no_show": "no_show"}.get(status, occ.state)
    return MeetingOut(
        id=meeting.id, room=room.label, title=meeting.title, host_email=host.email,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at, all_day=meeting.all_day,
        status=status,
        source=meeting.source, state=state,
        actual_start=meeting.actual_start or occ.actual_start,
        actual_end=meeting.actual_end or occ.actual_end,
        late_start_minutes=_minutes(occ.late_start), overrun_minutes=_minutes(occ.overrun),
        inside_count=occ.inside_count if status == "scheduled" else 0, attendees=people)


def _minutes(value: object) -> float | None:
    from datetime import timedelta

    return round(value.total_seconds() / 60, 1) if isinstance(value, timedelta) else None
