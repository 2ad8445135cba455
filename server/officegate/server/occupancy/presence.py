"""Each room right now: is someone inside, how many were counted in, what its booking is doing.

What Home Assistant (and anything else that wants the live picture) is told. The people count
replays the room's signals since the start of the site's day (the occupancy log's day), so
a walk-in shows as well as a meeting; the meeting state comes from the booked meetings and
the same rules the sweep judges them by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.localtime import day_bounds, local_today
from officegate.server.meetings.models import Meeting, Room
from officegate.server.occupancy import rules
from officegate.server.occupancy import service as occupancy
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site

FREE, BOOKED, IN_PROGRESS, ENDED, RELEASED = "free", "booked", "in_progress", "ended", "released"
MEETING_STATES = (FREE, BOOKED, IN_PROGRESS, ENDED, RELEASED)
# A door's clock a little ahead of the server's must not hide its latest signal.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class RoomNow:
    """One room at one moment.

    ``meeting``: ``free`` (nothing booked now), ``booked`` (a meeting's slot, nobody in yet),
    ``in_progress`` (its people are inside, overrun included), ``ended`` (it finished before
    its slot did) or ``released`` (nobody came: the sweep gave the slot back).
    """

    name: str
    label: str
    occupied: bool
    people: int
    meeting: str


def meeting_state(*, db: Session, room: Room, now: datetime,
                  no_show_after: timedelta = rules.NO_SHOW_AFTER) -> str:
    """What the room's booking is doing at ``now`` (one of MEETING_STATES)."""
    meeting = occupancy.current_meeting(db=db, room=room, at=now)
    if meeting is not None:
        occ = occupancy.occupancy(db=db, meeting=meeting, now=now, no_show_after=no_show_after)
        if occ.state == "in_progress":
            return IN_PROGRESS
        if meeting.starts_at <= now < meeting.ends_at:
            # A no-show waits for the sweep to release it (with the site's own setting).
            return ENDED if occ.state == "ended" else BOOKED
    released = db.scalar(select(Meeting.id).where(
        Meeting.room_id == room.id, Meeting.status == "no_show", Meeting.starts_at <= now,
        Meeting.ends_at > now).limit(1))
    return RELEASED if released is not None else FREE


def room_now(*, db: Session, room: Room, now: datetime,
             no_show_after: timedelta = rules.NO_SHOW_AFTER) -> RoomNow:
    """``room`` at ``now``: occupancy and people count from today's signals, meeting state."""
    time_zone = sites.time_zone_of(db=db, site_id=room.site_id)
    start, _end = day_bounds(local_today(time_zone, now), time_zone)
    found = occupancy.signals(db=db, room=room, start=start, end=now + CLOCK_SKEW)
    people, occupied = rules.inside_now(found)
    return RoomNow(name=room.name, label=room.label, occupied=occupied, people=people,
                   meeting=meeting_state(db=db, room=room, now=now,
                                         no_show_after=no_show_after))


def site_rooms(*, db: Session, site: str) -> list[Room]:
    """The rooms of the site with code ``site``, by name."""
    return list(db.scalars(select(Room).join(Site, Site.id == Room.site_id)
                           .where(Site.code == site).order_by(Room.name)))
