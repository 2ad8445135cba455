"""Devices: gates, doors and vending machines, each an MQTT client under its own name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime


class Device(Base):
    """A gate, door or vending machine; ``name`` is its id in MQTT topics and passes."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    relay_pulse_ms: Mapped[int] = mapped_column(Integer, default=800)
    allow_static: Mapped[bool] = mapped_column(Boolean, default=False)
    code_period: Mapped[int] = mapped_column(Integer, default=10)
    mode: Mapped[str] = mapped_column(String(16), default="normal")
    config_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DeviceHealth(Base):
    """A device's latest heartbeat and how long it has been offline (one row per device)."""

    __tablename__ = "device_health"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The Heartbeat message as received (JSON text): fps, p99 latencies, outbox depth, ...
    heartbeat: Mapped[str | None] = mapped_column(Text, nullable=True)
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # True once the "offline too long" alert was raised for this outage (reset when online).
    offline_alerted: Mapped[bool] = mapped_column(Boolean, default=False)


class DoorProfile(Base):
    """A door's own rules (one row per gate/door; none = no schedule, fail-secure):
    opening hours and holidays (JSON, see protocol/door_schedule), fail mode, anti-passback."""

    __tablename__ = "door_profiles"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    opening_hours: Mapped[str | None] = mapped_column(Text, nullable=True)
    holidays: Mapped[str] = mapped_column(Text, default="{}")
    fail_mode: Mapped[str] = mapped_column(String(8), default="secure")
    side: Mapped[str | None] = mapped_column(String(8), nullable=True)
    anti_passback_group: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                            index=True)
