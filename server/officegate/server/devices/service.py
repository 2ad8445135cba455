"""Devices (gates, doors, vending machines), their config and their online status."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol.messages import DeviceConfig, DeviceKind, DeviceMode, FailMode, GateSide
from officegate.server.db import utcnow
from officegate.server.devices.models import Device
from officegate.server.devices.schemas import DeviceOut
from officegate.server.errors import Conflict, InvalidInput, NotFound
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site, Zone

KINDS = ("gate", "door", "vending")
MODES = ("normal", "locked", "unlocked")


def create_device(
    *, db: Session, name: str, kind: str, zone: str, site: str,
    allow_static: bool = False, relay_pulse_ms: int = 800,
) -> Device:
    """Register a device in a zone of a site (both created when missing)."""
    sites.check_name(name, what="device")
    if kind not in KINDS:
        raise InvalidInput("bad_kind", f"kind must be one of {list(KINDS)}",
                           "種類は gate, door, vending のいずれかです")
    if db.scalar(select(Device).where(Device.name == name)) is not None:
        raise Conflict("device_exists", f"a device {name} already exists",
                       f"デバイス {name} は既に存在します")
    site_row = sites.get_site(db=db, code=site)
    zone_row = sites.ensure_zone(db=db, site=site_row, name=zone)
    device = Device(name=name, kind=kind, site_id=site_row.id, zone_id=zone_row.id,
                    allow_static=allow_static, relay_pulse_ms=relay_pulse_ms, code_period=10,
                    mode="normal", config_version=1, status="unknown")
    db.add(device)
    db.flush()
    return device


def get_device(*, db: Session, name: str) -> Device:
    """The device called ``name``; NotFound otherwise."""
    device = db.scalar(select(Device).where(Device.name == name))
    if device is None:
        raise NotFound("unknown_device", f"no device {name[:70]!r}",
                       f"デバイス {name[:70]!r} はありません")
    return device


def list_devices(*, db: Session, site: str | None = None) -> list[Device]:
    """All devices (of one site when given), by name."""
    query = select(Device).order_by(Device.name)
    if site is not None:
        query = query.join(Site, Site.id == Device.site_id).where(Site.code == site)
    return list(db.scalars(query))


def set_mode(*, db: Session, name: str, mode: str) -> Device:
    """Switch a device to normal, locked or unlocked; bumps its config version."""
    if mode not in MODES:
        raise InvalidInput("bad_mode", f"mode must be one of {list(MODES)}",
                           "モードは normal, locked, unlocked のいずれかです")
    device = get_device(db=db, name=name)
    device.mode = mode
    device.config_version += 1
    return device


def record_status(*, db: Session, name: str, status: str) -> bool:
    """Store "online"/"offline" from the device's retained status; False for unknown devices."""
    device = db.scalar(select(Device).where(Device.name == name))
    if device is None or status not in ("online", "offline"):
        return False
    device.status = status
    device.last_seen_at = utcnow()
    return True


def device_config(*, db: Session, device: Device) -> DeviceConfig:
    """The retained DeviceConfig message for ``device``."""
    site = db.get(Site, device.site_id)
    zone = db.get(Zone, device.zone_id)
    assert site is not None and zone is not None  # foreign keys guarantee both
    from officegate.server.devices.profiles import rules_of  # profiles imports this module

    rules = rules_of(db=db, device=device)
    return DeviceConfig(
        device=device.name, site=site.code, kind=cast(DeviceKind, device.kind), zone=zone.name,
        relay_pulse_ms=device.relay_pulse_ms, allow_static=device.allow_static,
        code_period=device.code_period, mode=cast(DeviceMode, device.mode),
        version=device.config_version, timezone=rules.timezone,
        opening_hours=rules.opening_hours, holidays=rules.holidays or {},
        fail_mode=cast(FailMode, rules.fail_mode), side=cast(GateSide | None, rules.side),
        anti_passback_group=rules.anti_passback_group,
    )


def device_out(*, db: Session, device: Device) -> DeviceOut:
    """The API view of ``device``."""
    from officegate.server.devices.profiles import rules_of

    site = db.get(Site, device.site_id)
    zone = db.get(Zone, device.zone_id)
    rules = rules_of(db=db, device=device)
    return DeviceOut(
        name=device.name, kind=device.kind, site=site.code if site else "",
        zone=zone.name if zone else "", mode=device.mode, allow_static=device.allow_static,
        config_version=device.config_version, status=device.status,
        last_seen_at=device.last_seen_at, **rules.as_dict(),
    )
