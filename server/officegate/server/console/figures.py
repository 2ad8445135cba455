"""Figures over a chosen period, for people to read as pictures: all rooms' occupancy by
weekday and hour, each room's utilisation and no-show rate, the visit funnel, and the
messaging figures. Days and hours are the site's (its time zone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.localtime import day_bounds, to_local
from officegate.server.meetings.models import Meeting, Room
from officegate.server.messaging import metrics
from officegate.server.sites.models import Site

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_DAYS = 366


@dataclass
class RoomFigures:
    """One room over the period."""

    name: str
    label: str
    meetings: int = 0
    no_shows: int = 0
    booked_h: float = 0.0
    used_h: float = 0.0

    @property
    def utilisation(self) -> float | None:
        """Hours in use over hours booked."""
        return round(self.used_h / self.booked_h, 4) if self.booked_h else None

    @property
    def no_show_rate(self) -> float | None:
        """Meetings nobody came to over meetings held or released."""
        return round(self.no_shows / self.meetings, 4) if self.meetings else None


@dataclass
class Period:
    """What the figures page shows for ``[first, last]`` (site calendar days)."""

    first: date
    last: date
    heat: list[list[float]] = field(default_factory=lambda: [[0.0] * 24 for _ in range(7)])
    rooms: list[RoomFigures] = field(default_factory=list)
    funnel: dict[str, int] = field(default_factory=dict)
    messaging: metrics.Figures | None = None


def _spread(heat: list[list[float]], start: datetime, end: datetime, time_zone: str) -> float:
    """Add the hours of ``[start, end)`` to their (weekday, hour) cells; returns the hours."""
    moment, total = start, 0.0
    while moment < end:
        local = to_local(moment, time_zone)
        edge = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        step_end = min(end, edge.astimezone(start.tzinfo))
        hours = (step_end - moment).total_seconds() / 3600
        heat[local.weekday()][local.hour] += hours
        total += hours
        moment = step_end
    return total


def compute(*, db: Session, site: str, first: date, last: date, time_zone: str,
            now: datetime) -> Period:
    """The period's figures (meetings that started in it; the ones still running count up
    to ``now``)."""
    period = Period(first=first, last=last)
    start = day_bounds(first, time_zone)[0]
    end = day_bounds(last, time_zone)[1]
    rooms = db.execute(select(Room).join(Site, Site.id == Room.site_id)
                       .where(Site.code == site).order_by(Room.name)).scalars()
    by_room = {room.id: RoomFigures(room.name, room.label or room.name) for room in rooms}
    for meeting in db.scalars(select(Meeting).where(
            Meeting.room_id.in_(list(by_room)), Meeting.starts_at >= start,
            Meeting.starts_at < end, Meeting.status != "cancelled")):
        figures = by_room[meeting.room_id]
        if meeting.starts_at > now:
            continue
        figures.meetings += 1
        figures.booked_h += (meeting.ends_at - meeting.starts_at).total_seconds() / 3600
        if meeting.status == "no_show":
            figures.no_shows += 1
        if meeting.actual_start is not None:
            until = meeting.actual_end or min(meeting.ends_at, now)
            if until > meeting.actual_start:
                figures.used_h += _spread(period.heat, meeting.actual_start, until, time_zone)
    period.rooms = list(by_room.values())
    period.heat = [[round(h, 2) for h in row] for row in period.heat]
    period.funnel = metrics.funnel(db=db, site=site, start=start, end=end)
    period.messaging = metrics.compute(db=db, site=site, start=start, end=end)
    return period
