"""What a room's devices reported: entries, exits, motion and stillness."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class RoomEvent(Base):
    """One signal from a room; the device's event id is the key, so redelivery is harmless."""

    __tablename__ = "room_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # entry | denied | exit | motion | still
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    device: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
