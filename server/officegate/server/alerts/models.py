"""Alarms for facility staff: a door forced or held open, a copied code, a device offline,
a lockdown; and the record of staff actions on doors (remote unlock, mode changes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class Alert(Base):
    """Something staff must see; ``by_user`` names who caused it when a person did.

    An alarm of severity "critical" or "warning" waits for a person's acknowledgement
    (``acknowledged_at``/``_by``); until then the escalation job raises ``level`` and the
    dispatcher delivers each level once (``notified_level`` catches up with ``level``).
    "info" rows (a remote unlock, a mode change) need nobody.
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_pending", "notified_level", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The device's event id for alarms a device reported: a redelivery is the same alert.
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    device: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    by_user: Mapped[str | None] = mapped_column(String(254), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    severity: Mapped[str] = mapped_column(String(8), default="warning")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    notified_level: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AlertPolicy(Base):
    """How a site's alarms travel: escalation interval and depth, e-mail on or off, and
    site-level apprise targets (one URL a line: a Slack channel, Teams, ntfy, ...)."""

    __tablename__ = "alert_policy"

    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    escalate_minutes: Mapped[int] = mapped_column(Integer, default=5)
    max_level: Mapped[int] = mapped_column(Integer, default=3)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    apprise_urls: Mapped[str] = mapped_column(Text, default="")


class DutyMember(Base):
    """A staff member on duty: first to hear of an alarm (nobody listed: all staff)."""

    __tablename__ = "alert_duty"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
