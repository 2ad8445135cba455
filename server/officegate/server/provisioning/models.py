"""Broker credentials of devices: only the Mosquitto hash is stored, never the password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class DeviceCredential(Base):
    """One broker login of a device; a revoked one stays (who, when) but leaves the files."""

    __tablename__ = "device_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           index=True)
    username: Mapped[str] = mapped_column(String(64))
    # Mosquitto's PBKDF2-SHA512 "$7$iterations$salt$hash" line, ready for the password file.
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
