"""Retention per site, subject access and erasure requests, and recorded consent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow

# Defaults an operator can defend (docs/privacy.md says why).
IDENTITY_DAYS = 30  # visitor identity, messages and contact points, after the visit ends
ACCESS_DAYS = 365  # access events (pseudonymous once the identity is gone)
ARRIVAL_DAYS = 7  # arrival decisions (distances, ETA, OwnTracks credentials)
AUDIT_DAYS = 730  # the audit log


class RetentionPolicy(Base):
    """How long a site keeps each kind of data, and who visitors may ask about it."""

    __tablename__ = "privacy_retention"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"),
                                         unique=True)
    identity_days: Mapped[int] = mapped_column(Integer, default=IDENTITY_DAYS)
    access_days: Mapped[int] = mapped_column(Integer, default=ACCESS_DAYS)
    arrival_days: Mapped[int] = mapped_column(Integer, default=ARRIVAL_DAYS)
    audit_days: Mapped[int] = mapped_column(Integer, default=AUDIT_DAYS)
    operator: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PrivacyRequest(Base):
    """A subject access or erasure request (or an erasure by retention) and its state.

    It names the visitor only by pseudonymous subject: it outlives the identity.
    """

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    visitor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # access | erasure
    source: Mapped[str] = mapped_column(String(16))  # pass_page | staff | retention
    requested_by: Mapped[str] = mapped_column(String(320))  # "visitor" or a user's e-mail
    state: Mapped[str] = mapped_column(String(16), default="requested")  # requested | done
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Consent(Base):
    """A visitor's consent to one purpose (location, marketing) under one notice version."""

    __tablename__ = "privacy_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
