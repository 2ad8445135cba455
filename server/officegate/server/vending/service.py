"""Vending machines, their stock and the site's drink policy; the vending log and figures."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officegate.protocol.vending import StockReport
from officegate.server.devices import service as devices
from officegate.server.devices.models import Device
from officegate.server.errors import Conflict, InvalidInput
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site, Zone
from officegate.server.vending.models import (
    VendingLogEntry,
    VendingMachine,
    VendingPolicy,
    VendingSlot,
)

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True, slots=True)
class Machine:
    """A machine with its device row, zone and current slots."""

    row: VendingMachine
    device: Device
    slots: list[VendingSlot]

    @property
    def name(self) -> str:
        """The device name (MQTT id)."""
        return self.device.name


def get_policy(*, db: Session, site: Site) -> VendingPolicy:
    """The site's drink policy (created with the defaults on first use)."""
    policy = db.scalar(select(VendingPolicy).where(VendingPolicy.site_id == site.id))
    if policy is None:
        policy = VendingPolicy(site_id=site.id, drinks_per_visit=1,
                               timezone=sites.time_zone(site), order_minutes=30)
        try:
            with db.begin_nested():
                db.add(policy)
        except IntegrityError:  # another request made the default row a moment ago
            policy = db.scalar(select(VendingPolicy).where(VendingPolicy.site_id == site.id))
            assert policy is not None
    return policy


def set_policy(*, db: Session, site: Site, drinks_per_visit: int, quiet_from: str | None,
               quiet_until: str | None, timezone: str | None, order_minutes: int
               ) -> VendingPolicy:
    """Change the site's drink policy; InvalidInput for a bad time or time zone (None: the
    site's own time zone)."""
    for value in (quiet_from, quiet_until):
        if value is not None and not _HHMM.match(value):
            raise InvalidInput("bad_time", "quiet hours are HH:MM (24 h)",
                               "静粛時間は HH:MM (24時間制) で指定してください")
    if (quiet_from is None) != (quiet_until is None):
        raise InvalidInput("bad_quiet_hours", "give both ends of the quiet hours, or neither",
                           "静粛時間は開始と終了の両方を指定してください")
    if timezone is None:
        timezone = sites.time_zone(site)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("bad_timezone", "unknown time zone", "不明なタイムゾーンです") from None
    policy = get_policy(db=db, site=site)
    policy.drinks_per_visit, policy.order_minutes = drinks_per_visit, order_minutes
    policy.quiet_from, policy.quiet_until, policy.timezone = quiet_from, quiet_until, timezone
    return policy


def in_quiet_hours(policy: VendingPolicy, at: datetime) -> bool:
    """Whether ``at`` falls in the policy's quiet hours (local time; may span midnight)."""
    if policy.quiet_from is None or policy.quiet_until is None:
        return False
    local = at.astimezone(ZoneInfo(policy.timezone)).time()
    start, end = time.fromisoformat(policy.quiet_from), time.fromisoformat(policy.quiet_until)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def add_machine(*, db: Session, site: Site, device_name: str, route_zone: str | None,
                label_en: str, label_ja: str) -> Machine:
    """Make a registered ``vending`` device a machine, offered after gates of ``route_zone``
    (default: the machine's own zone)."""
    device = devices.get_device(db=db, name=device_name)
    if device.kind != "vending" or device.site_id != site.id:
        raise InvalidInput("not_vending", f"{device_name} is not a vending device of this site",
                           f"{device_name} はこのサイトの自動販売機ではありません")
    zone = db.get(Zone, device.zone_id)
    assert zone is not None
    route = route_zone or zone.name
    sites.check_name(route, what="zone")
    row = VendingMachine(device_id=device.id, route_zone=route, label_en=label_en,
                         label_ja=label_ja, stock_at=0.0)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        raise Conflict("machine_exists", f"{device_name} is already a vending machine",
                       f"{device_name} は既に登録されています") from None
    return Machine(row=row, device=device, slots=[])


def _machine(db: Session, row: VendingMachine) -> Machine:
    device = db.get(Device, row.device_id)
    assert device is not None
    slots = list(db.scalars(select(VendingSlot).where(VendingSlot.machine_id == row.id)
                            .order_by(VendingSlot.slot)))
    return Machine(row=row, device=device, slots=slots)


def list_machines(*, db: Session, site: Site, route_zone: str | None = None) -> list[Machine]:
    """The site's machines by name (only those on the way from ``route_zone`` when given)."""
    query = (select(VendingMachine).join(Device, Device.id == VendingMachine.device_id)
             .where(Device.site_id == site.id).order_by(Device.name))
    if route_zone is not None:
        query = query.where(VendingMachine.route_zone == route_zone)
    return [_machine(db, row) for row in db.scalars(query)]


def find_machine(*, db: Session, name: str) -> Machine | None:
    """The machine whose device is called ``name``, else None."""
    row = db.scalar(select(VendingMachine).join(Device, Device.id == VendingMachine.device_id)
                    .where(Device.name == name))
    return None if row is None else _machine(db, row)


def apply_stock(*, db: Session, machine: Machine, report: StockReport) -> bool:
    """Replace the machine's slots with ``report``; False when an older report arrives late."""
    if report.at < machine.row.stock_at:
        return False
    machine.row.stock_at = report.at
    db.execute(delete(VendingSlot).where(VendingSlot.machine_id == machine.row.id))
    db.add_all(VendingSlot(machine_id=machine.row.id, slot=p.slot, product=p.product,
                           name_en=p.name_en, name_ja=p.name_ja, count=p.count)
               for p in report.slots)
    db.flush()
    return True


def log(*, db: Session, site_id: int, kind: str, event_id: str | None = None,
        machine: str | None = None, visit_id: int | None = None, order_id: str | None = None,
        reason: str = "", detail: str = "") -> bool:
    """Add one line to the vending log; False when ``event_id`` was logged before."""
    entry = VendingLogEntry(event_id=event_id or uuid.uuid4().hex, site_id=site_id, kind=kind,
                            machine=machine, visit_id=visit_id, order_id=order_id,
                            reason=reason[:32], detail=detail[:300])
    try:
        with db.begin_nested():
            db.add(entry)
    except IntegrityError:
        return False
    return True


def recent_log(*, db: Session, site: Site, limit: int = 100) -> list[VendingLogEntry]:
    """The newest vending log lines of the site."""
    return list(db.scalars(select(VendingLogEntry).where(VendingLogEntry.site_id == site.id)
                           .order_by(VendingLogEntry.at.desc(), VendingLogEntry.id.desc())
                           .limit(limit)))


def conversion(*, db: Session, site: Site) -> dict[str, int]:
    """Visits offered, visits that ordered, visits served, and failures (counts)."""
    def visits(kind: str) -> int:
        return int(db.scalar(select(func.count(func.distinct(VendingLogEntry.visit_id)))
                             .where(VendingLogEntry.site_id == site.id,
                                    VendingLogEntry.kind == kind)) or 0)

    failures = db.scalar(select(func.count()).where(VendingLogEntry.site_id == site.id,
                                                    VendingLogEntry.kind == "failed"))
    return {"offered": visits("offered"), "ordered": visits("ordered"),
            "served": visits("served"), "failed": int(failures or 0)}
