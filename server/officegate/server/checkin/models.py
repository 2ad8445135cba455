"""Lobby check-ins and the deny list / watchlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class CheckIn(Base):
    """A visit's presence: held for approval, checked in, checked out."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          unique=True)
    # held / cleared / checked_in / checked_out / refused
    status: Mapped[str] = mapped_column(String(16), index=True)
    held_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    held_list: Mapped[str | None] = mapped_column(String(8), nullable=True)  # deny/watch
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # "invitation" when screening held the visit before any pass link went out.
    held_stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # A hold at invitation that was approved: check-in screens only newer list entries.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checkout_how: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ack_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    gate_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    waiting_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WatchEntry(Base):
    """A name or e-mail that holds a visitor for approval; ``list`` is "deny" or "watch"."""

    __tablename__ = "watchlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    list: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
