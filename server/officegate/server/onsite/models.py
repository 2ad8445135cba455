"""Evacuation roll calls: who has been seen safe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class RollCall(Base):
    """One evacuation: started by staff, closed when everyone is accounted for."""

    __tablename__ = "rollcalls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RollCallMark(Base):
    """A person marked safe; ``person`` is "v<visit id>" (visitor) or "u<user id>" (host)."""

    __tablename__ = "rollcall_marks"
    __table_args__ = (UniqueConstraint("rollcall_id", "person",
                                       name="uq_rollcall_marks_rollcall_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rollcall_id: Mapped[int] = mapped_column(ForeignKey("rollcalls.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(String(24))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
