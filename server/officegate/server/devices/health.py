"""Device liveness: heartbeats, online/offline from the retained status (last will), and
which doors have been offline longer than staff tolerate."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol.messages import Heartbeat
from officegate.server.alerts import service as alerts
from officegate.server.db import utcnow
from officegate.server.devices.models import Device, DeviceHealth
from officegate.server.sites.models import Site


def _health(db: Session, device: Device) -> DeviceHealth:
    health = db.get(DeviceHealth, device.id)
    if health is None:
        health = DeviceHealth(device_id=device.id, offline_alerted=False)
        db.add(health)
    return health


def record_heartbeat(*, db: Session, beat: Heartbeat) -> bool:
    """Store a device's latest heartbeat; False for an unknown device."""
    device = db.scalar(select(Device).where(Device.name == beat.device))
    if device is None:
        return False
    health = _health(db, device)
    health.heartbeat = beat.to_json().decode()
    health.heartbeat_at = device.last_seen_at = utcnow()
    return True


def record_status(*, db: Session, name: str, status: str) -> bool:
    """Store "online"/"offline" (the last will says offline); tracks when an outage began.

    Coming back online resolves an open "offline too long" alert and records that it did.
    """
    device = db.scalar(select(Device).where(Device.name == name))
    if device is None or status not in ("online", "offline"):
        return False
    health = _health(db, device)
    now = utcnow()
    if status == "offline" and device.status != "offline":
        health.offline_since = now
        health.offline_alerted = False
    elif status == "online":
        if health.offline_alerted:
            site = db.get(Site, device.site_id)
            alerts.resolve_device_alerts(db=db, device=name, kind="device_offline")
            alerts.raise_alert(db=db, site=site.code if site else "", kind="device_back_online",
                               device=name, detail="reconnected")
        health.offline_since = None
        health.offline_alerted = False
    device.status = status
    device.last_seen_at = now
    return True


def alert_overdue_offline(*, db: Session, site: str, after: timedelta,
                          now: datetime | None = None) -> list[str]:
    """Raise one alert per device offline longer than ``after``; returns their names."""
    now = now or utcnow()
    rows = db.execute(
        select(Device, DeviceHealth)
        .join(DeviceHealth, DeviceHealth.device_id == Device.id)
        .join(Site, Site.id == Device.site_id)
        .where(Site.code == site, Device.status == "offline",
               DeviceHealth.offline_since.is_not(None),
               DeviceHealth.offline_alerted.is_(False))).all()
    raised = []
    for device, health in rows:
        assert health.offline_since is not None
        if now - health.offline_since < after:
            continue
        minutes = (now - health.offline_since).total_seconds() / 60
        alerts.raise_alert(db=db, site=site, kind="device_offline", device=device.name,
                           detail=f"{device.kind} offline for {minutes:.1f} min")
        health.offline_alerted = True
        raised.append(device.name)
    return raised


def heartbeat_of(*, db: Session, device: Device) -> dict[str, Any] | None:
    """The device's latest heartbeat as a dict (None before the first)."""
    health = db.get(DeviceHealth, device.id)
    if health is None or not health.heartbeat:
        return None
    data: dict[str, Any] = json.loads(health.heartbeat)
    data["received_at"] = health.heartbeat_at
    return data
