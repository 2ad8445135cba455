"""The meeting-occupancy log of one room and day: a timeline, the day's figures, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from officegate.server.localtime import day_bounds, format_local, to_local
from officegate.server.meetings import service as meetings
from officegate.server.meetings.models import Room
from officegate.server.meetings.schemas import MeetingOut
from officegate.server.meetings.views import meeting_out
from officegate.server.occupancy import rules
from officegate.server.occupancy import service as occupancy
from officegate.server.spreadsheet import safe_cell


@dataclass(frozen=True, slots=True)
class RoomDay:
    """Everything the log page and API show for one room and local day of the site."""

    room: Room
    day: date
    meetings: list[MeetingOut]
    walk_ins: list[tuple[datetime, datetime]]
    figures: rules.DayFigures
    start: datetime  # the day's first moment (UTC) in the site's zone
    end: datetime
    time_zone: str = "UTC"


def room_day(*, db: Session, room: Room, day: date, now: datetime,
             time_zone: str = "UTC") -> RoomDay:
    """Meetings of ``room`` on the calendar ``day`` of ``time_zone`` (the site's) with their
    occupancy, walk-ins, and the day's figures."""
    start, end = day_bounds(day, time_zone)
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
                   walk_ins=rules.walk_ins(spans, booked), figures=rules.day_figures(judged),
                   start=start, end=end, time_zone=time_zone)


CSV_COLUMNS = ("room", "meeting_id", "title", "host", "status", "scheduled_start",
               "scheduled_end", "actual_start", "actual_end", "late_start_min", "overrun_min",
               "attendees_invited", "attendees_entered", "entered")


def to_csv(day: RoomDay) -> str:
    """One line per meeting (and per walk-in); times in ISO 8601 with the site's offset
    (e.g. 2026-11-23T15:04:00+09:00), so a spreadsheet and a program read the same moment."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def iso(value: datetime | None) -> str:
        return to_local(value, day.time_zone).isoformat() if value else ""

    def clock(value: datetime | None) -> str:
        return format_local(value, day.time_zone, "time_seconds")

    for m in day.meetings:
        entered = [a for a in m.attendees if a.entered_at is not None]
        writer.writerow([
            safe_cell(day.room.name), m.id, safe_cell(m.title), safe_cell(m.host_email),
            m.state, iso(m.starts_at),
            iso(m.ends_at), iso(m.actual_start), iso(m.actual_end),
            "" if m.late_start_minutes is None else m.late_start_minutes,
            "" if m.overrun_minutes is None else m.overrun_minutes, len(m.attendees),
            len(entered),
            safe_cell("; ".join(f"{a.name} {clock(a.entered_at)}" for a in entered))])
    for began, ended in day.walk_ins:
        writer.writerow([safe_cell(day.room.name), "", "(walk-in)", "", "walk_in", "", "",
                         iso(began), iso(ended), "", "", 0, 0, ""])
    return out.getvalue()
