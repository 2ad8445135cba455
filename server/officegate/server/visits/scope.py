"""Pass scope: what a host may put on a visitor's pass.

Staff and admins may grant any zone or door of the site. A host may grant only

- the site's visitor zones (``Zone.visitor_grantable``: the lobby unless staff chose more,
  ``PUT /api/sites/{site}/visitor-zones``), and
- doors in those zones, except meeting-room doors: a visitor gets a room's door only through
  a booking (``POST /api/meetings``), valid for that meeting.

Unknown zones and doors stay a 422 (visits.service); a known one the host may not grant is a
403 naming what the host may grant instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.auth.models import Role, User
from officegate.server.devices.models import Device
from officegate.server.errors import Forbidden
from officegate.server.sites.models import Site, Zone

STAFF_ROLES = (Role.ADMIN, Role.STAFF)


@dataclass(frozen=True, slots=True)
class VisitorScope:
    """What hosts may grant at one site."""

    zones: tuple[str, ...]
    doors: tuple[str, ...]
    room_doors: frozenset[str]


def visitor_scope(*, db: Session, site: Site) -> VisitorScope:
    """The site's visitor zones, the doors in them a host may grant, and its room doors."""
    from officegate.server.meetings.models import Room

    zones = tuple(db.scalars(select(Zone.name).where(
        Zone.site_id == site.id, Zone.visitor_grantable.is_(True)).order_by(Zone.name)))
    rooms = frozenset(db.scalars(select(Room.door).where(Room.site_id == site.id)))
    doors = tuple(name for name in db.scalars(
        select(Device.name).join(Zone, Zone.id == Device.zone_id)
        .where(Device.site_id == site.id, Zone.visitor_grantable.is_(True))
        .order_by(Device.name)) if name not in rooms)
    return VisitorScope(zones=zones, doors=doors, room_doors=rooms)


def check_scope(*, db: Session, site: Site, user: User, zones: list[str],
                doors: list[str]) -> None:
    """Forbidden (403) with the reason when ``user`` may not grant these zones and doors."""
    if user.role in STAFF_ROLES:
        return
    scope = visitor_scope(db=db, site=site)
    allowed = ", ".join(scope.zones) or "-"
    for zone in zones:
        if zone not in scope.zones:
            raise Forbidden(
                "zone_not_for_visitors",
                f"hosts may grant only the visitor zones of site {site.code} ({allowed}); "
                f"ask staff to add {zone[:64]!r} to the pass",
                f"ホストが付与できるのは来訪者用ゾーン（{allowed}）のみです。"
                f"{zone[:64]!r} はスタッフに依頼してください")
    for door in doors:
        if door in scope.room_doors:
            raise Forbidden(
                "room_needs_booking",
                f"{door[:64]!r} is a meeting room door: book the room with the visitor as an "
                "attendee (POST /api/meetings) and the pass opens it for that meeting",
                f"{door[:64]!r} は会議室のドアです。来訪者を参加者として会議室を予約すると、"
                "その会議の間だけパスで開きます")
        if door not in scope.doors:
            raise Forbidden(
                "door_not_for_visitors",
                f"hosts may grant only doors in the visitor zones of site {site.code} "
                f"({allowed}); ask staff to add {door[:64]!r} to the pass",
                f"ホストが付与できるのは来訪者用ゾーン（{allowed}）のドアのみです。"
                f"{door[:64]!r} はスタッフに依頼してください")
