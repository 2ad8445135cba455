"""Access events reported by devices, stored once per event id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class AccessEventRecord(Base):
    """One decision at a device (accepted or denied with its reason)."""

    __tablename__ = "access_events"
    # The log is read newest first, often for one device: (device, at) serves both.
    __table_args__ = (Index("ix_access_events_device_at", "device", "at"),)

    # The device's uuid4 hex is the primary key: a redelivered event is the same row.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device: Mapped[str] = mapped_column(String(64))
    site: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="access")
    reason: Mapped[str] = mapped_column(String(32), index=True)
    pass_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kid: Mapped[str | None] = mapped_column(String(16), nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PassbackPresence(Base):
    """Who the server believes is inside each anti-passback group (from gate events)."""

    __tablename__ = "passback_presence"

    group_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    pass_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    inside: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    device: Mapped[str] = mapped_column(String(64))
