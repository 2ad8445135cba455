"""Today at a glance: who is expected, who arrived, who is inside, who waits for approval,
open alarms, the doors and devices, and the rooms in use now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.alerts import service as alerts
from officegate.server.alerts.models import Alert
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.auth.models import User
from officegate.server.checkin.models import CheckIn
from officegate.server.devices.models import Device
from officegate.server.localtime import day_bounds, local_today
from officegate.server.occupancy import presence
from officegate.server.sites.models import Site, Zone
from officegate.server.visits.models import Visit, Visitor


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One of today's visits."""

    visit_id: int
    visitor: str
    host: str
    starts_at: datetime
    ends_at: datetime
    room: str
    status: str  # expected | arrived | checked in | held | checked out | refused
    since: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A door, gate or vending machine and its state."""

    name: str
    kind: str
    zone: str
    status: str
    mode: str
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class RoomRow:
    """A room in use now."""

    name: str
    label: str
    people: int
    meeting: str


@dataclass
class Today:
    """The dashboard's content at one moment."""

    expected: list[VisitRow] = field(default_factory=list)
    held: list[VisitRow] = field(default_factory=list)
    on_site: list[VisitRow] = field(default_factory=list)
    arrived: int = 0
    alarms: list[Alert] = field(default_factory=list)
    devices: list[DeviceRow] = field(default_factory=list)
    rooms: list[RoomRow] = field(default_factory=list)

    def fingerprint(self) -> tuple[object, ...]:
        """What changes when anything on the page would (not the clock)."""
        return (tuple(self.expected), tuple(self.held), tuple(self.on_site), self.arrived,
                tuple((a.id, a.acknowledged_at, a.resolved_at, a.level) for a in self.alarms),
                tuple(self.devices), tuple(self.rooms))


def _status(visit: Visit, checkin: CheckIn | None, track: ArrivalTrack | None
            ) -> tuple[str, datetime | None]:
    if checkin is not None and checkin.status == "held":
        return "held", checkin.held_at
    if checkin is not None and checkin.status == "checked_in":
        return "checked in", checkin.checked_in_at
    if checkin is not None and checkin.status in ("checked_out", "refused"):
        return checkin.status.replace("_", " "), checkin.checked_out_at
    if visit.checked_in_at is not None:
        return "checked in", visit.checked_in_at
    if track is not None and track.arrived_at is not None:
        return "arrived", track.arrived_at
    return "expected", None


def snapshot(*, db: Session, site: str, time_zone: str, now: datetime) -> Today:
    """The building today (the site's calendar day in ``time_zone``) as of ``now``."""
    out = Today()
    site_row = db.scalar(select(Site).where(Site.code == site))
    if site_row is None:
        return out
    start, end = day_bounds(local_today(time_zone, now), time_zone)
    rows = db.execute(
        select(Visit, Visitor, User, CheckIn, ArrivalTrack)
        .join(Visitor, Visitor.id == Visit.visitor_id).join(User, User.id == Visit.host_id)
        .outerjoin(CheckIn, CheckIn.visit_id == Visit.id)
        .outerjoin(ArrivalTrack, ArrivalTrack.visit_id == Visit.id)
        .where(Visit.site_id == site_row.id, Visit.starts_at < end, Visit.ends_at > start)
        .order_by(Visit.starts_at, Visit.id).limit(500))
    for visit, visitor, host, checkin, track in rows:
        status, since = _status(visit, checkin, track)
        row = VisitRow(visit.id, visitor.name, host.display_name, visit.starts_at,
                       visit.ends_at, visit.room or "", status, since,
                       (checkin.held_reason or "") if status == "held" else "")
        out.expected.append(row)
        if status != "expected":
            out.arrived += 1
        if status == "held":
            out.held.append(row)
        if status == "checked in":
            out.on_site.append(row)
    out.alarms = alerts.open_alarms(db=db, site=site, limit=50)
    for device, zone in db.execute(select(Device, Zone).join(Zone, Zone.id == Device.zone_id)
                                   .where(Device.site_id == site_row.id).order_by(Device.name)):
        out.devices.append(DeviceRow(device.name, device.kind, zone.name, device.status,
                                     device.mode, device.last_seen_at))
    for room in presence.site_rooms(db=db, site=site):
        now_state = presence.room_now(db=db, room=room, now=now)
        if now_state.occupied or now_state.meeting in (presence.IN_PROGRESS, presence.BOOKED):
            out.rooms.append(RoomRow(room.name, room.label, now_state.people,
                                     now_state.meeting))
    return out
