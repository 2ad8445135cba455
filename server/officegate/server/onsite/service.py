"""Who is on site now, and the evacuation roll call."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.checkin.models import CheckIn
from officegate.server.db import utcnow
from officegate.server.errors import Conflict, InvalidInput, NotFound
from officegate.server.onsite.models import RollCall, RollCallMark
from officegate.server.sites import service as sites
from officegate.server.spreadsheet import safe_cell
from officegate.server.visits.models import Visit, Visitor


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the building: a visitor ("v<visit>") or the host looking after them."""

    person: str
    kind: str  # "visitor" | "host"
    name: str
    host_name: str
    room: str
    since: datetime | None
    safe_at: datetime | None = None


def on_site(*, db: Session, site: str) -> list[Person]:
    """Everyone checked in and not out, with their hosts (each host listed once)."""
    site_row = sites.get_site(db=db, code=site)
    rows = db.execute(
        select(CheckIn, Visit, Visitor, User)
        .join(Visit, Visit.id == CheckIn.visit_id)
        .join(Visitor, Visitor.id == Visit.visitor_id)
        .join(User, User.id == Visit.host_id)
        .where(Visit.site_id == site_row.id, CheckIn.status == "checked_in")
        .order_by(CheckIn.checked_in_at))
    people: list[Person] = []
    hosts: set[int] = set()
    for checkin, visit, visitor, host in rows:
        people.append(Person(f"v{visit.id}", "visitor", visitor.name, host.display_name,
                             visit.room or "", checkin.checked_in_at))
        if host.id not in hosts:
            hosts.add(host.id)
            people.append(Person(f"u{host.id}", "host", host.display_name, host.display_name,
                                 visit.room or "", None))
    return people


def active_rollcall(*, db: Session, site: str) -> RollCall | None:
    """The roll call in progress at ``site``, if any."""
    site_row = sites.get_site(db=db, code=site)
    return db.scalar(select(RollCall).where(RollCall.site_id == site_row.id,
                                            RollCall.ended_at.is_(None))
                     .order_by(RollCall.id.desc()).limit(1))


def start_rollcall(*, db: Session, site: str, user: User) -> RollCall:
    """Start an evacuation roll call (the one in progress, if there is one)."""
    current = active_rollcall(db=db, site=site)
    if current is not None:
        return current
    call = RollCall(site_id=sites.get_site(db=db, code=site).id, started_at=utcnow(),
                    started_by=user.id)
    db.add(call)
    db.flush()
    return call


def _call(db: Session, rollcall_id: int) -> RollCall:
    call = db.get(RollCall, rollcall_id)
    if call is None:
        raise NotFound("unknown_rollcall", "no such roll call", "点呼がありません")
    return call


def mark_safe(*, db: Session, rollcall_id: int, person: str, user: User) -> RollCallMark:
    """Mark ``person`` safe; marking twice keeps the first time."""
    call = _call(db, rollcall_id)
    if call.ended_at is not None:
        raise Conflict("rollcall_ended", "this roll call has ended", "この点呼は終了しています")
    if not (person[:1] in ("v", "u") and person[1:].isdigit() and len(person) <= 24):
        raise InvalidInput("bad_person", "person is v<visit id> or u<user id>",
                           "対象の指定が不正です")
    mark = db.scalar(select(RollCallMark).where(RollCallMark.rollcall_id == call.id,
                                                RollCallMark.person == person))
    if mark is None:
        mark = RollCallMark(rollcall_id=call.id, person=person, marked_at=utcnow(),
                            marked_by=user.id)
        db.add(mark)
        db.flush()
    return mark


def end_rollcall(*, db: Session, rollcall_id: int) -> RollCall:
    """Close a roll call."""
    call = _call(db, rollcall_id)
    if call.ended_at is None:
        call.ended_at = utcnow()
    return call


def roll(*, db: Session, site: str, rollcall_id: int) -> list[Person]:
    """The on-site list with each person's safe time in this roll call."""
    marks = {m.person: m.marked_at for m in db.scalars(
        select(RollCallMark).where(RollCallMark.rollcall_id == _call(db, rollcall_id).id))}
    return [Person(p.person, p.kind, p.name, p.host_name, p.room, p.since, marks.get(p.person))
            for p in on_site(db=db, site=site)]


def to_csv(people: list[Person]) -> str:
    """The list as CSV (UTF-8 with BOM added by the route, so Excel reads Japanese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["person", "kind", "name", "host", "room", "checked_in_utc", "safe_utc"])
    for p in people:
        writer.writerow([p.person, p.kind, safe_cell(p.name), safe_cell(p.host_name),
                         safe_cell(p.room),
                         p.since.isoformat() if p.since else "",
                         p.safe_at.isoformat() if p.safe_at else ""])
    return out.getvalue()
