"""The meeting-occupancy log of one room and day: a timeline, the day's figures, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from officegate.server.meetings import service as meetings
from officegate.server.meetings.models import Room
from officegate.server.meetings.schemas import MeetingOut
from officegate.server.meetings.views import meeting_out
from officegate.server.occupancy import rules
from officegate.server.occupancy import service as occupancy


@dataclass(frozen=True, slots=True)
class RoomDay:
    """Everything the log page and API show for one room and day (UTC)."""

    room: Room
    day: date
    meetings: list[MeetingOut]
    walk_ins: list[tuple[datetime, datetime]]
    figures: rules.DayFigures


def room_day(*, db: Session, room: Room, day: date, now: datetime) -> RoomDay:
    """Meetings of ``room`` on ``day`` with their occupancy, walk-ins, and the day's figures."""
    start = datetime.combine(day, time.min, UTC)
    end = start + timedelta(days=1)
    rows = meetings.meetings_between(db=db, room=room, start=start, end=end)
    outs = [meeting_out(db=db, meeting=m, now=now) for m in rows]
    judged = []
    for meeting in rows:
        if meeting.status == "cancelled":
            continue
        occ = occupancy.occupancy(db=db, meeting=meeting, now=now)
        if meeting.status == "no_show" and not occ.no_show:
            occ = rules.MeetingOccupancy("no_show", None, None, (), (), 0, 0, None, None, True)
        judged.append((meeting.starts_at, meeting.ends_at, occ))
    until = min(end, now)
    found = occupancy.signals(db=db, room=room, start=start, end=until)
    spans = rules.occupied_spans(found, until=until) if until > start else []
    booked = [(m.starts_at, m.ends_at) for m in rows if m.status == "scheduled"]
    return RoomDay(room=room, day=day, meetings=outs,
                   walk_ins=rules.walk_ins(spans, booked), figures=rules.day_figures(judged))


CSV_COLUMNS = ("room", "meeting_id", "title", "host", "status", "scheduled_start",
               "scheduled_end", "actual_start", "actual_end", "late_start_min", "overrun_min",
               "attendees_invited", "attendees_entered", "entered")


def to_csv(day: RoomDay) -> str:
    """One line per meeting (and per walk-in); times in UTC ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def iso(value: datetime | None) -> str:
        return value.isoformat() if value else ""

    for m in day.meetings:
        entered = [a for a in m.attendees if a.entered_at is not None]
        writer.writerow([
            day.room.name, m.id, m.title, m.host_email, m.state, iso(m.starts_at),
            iso(m.ends_at), iso(m.actual_start), iso(m.actual_end),
            "" if m.late_start_minutes is None else m.late_start_minutes,
            "" if m.overrun_minutes is None else m.overrun_minutes, len(m.attendees),
            len(entered), "; ".join(f"{a.name} {a.entered_at:%H:%M:%S}" for a in entered
                                    if a.entered_at)])
    for began, ended in day.walk_ins:
        writer.writerow([day.room.name, "", "(walk-in)", "", "walk_in", "", "", iso(began),
                         iso(ended), "", "", 0, 0, ""])
    return out.getvalue()
