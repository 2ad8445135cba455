"""Visitors, their visits and the signed passes sent to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow

IDENTITY_KEPT = "name <> '' OR email IS NOT NULL"


class Visitor(Base):
    """A guest; passes name them only by ``subject``, a random pseudonymous id."""

    __tablename__ = "visitors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)  # ja / en / zh_CN
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # The retention job reads only visitors whose identity is still stored (erasure blanks
    # name and e-mail): a partial index of those, so the erased past costs it nothing.
    __table_args__ = (Index("ix_visitors_identity_kept", "id",
                            postgresql_where=text(IDENTITY_KEPT),
                            sqlite_where=text(IDENTITY_KEPT)),)


class Visit(Base):
    """One visitor meeting one host at a site for a time window."""

    __tablename__ = "visits"
    # "Has this visitor a visit ending after the cutoff?": one index probe (retention).
    __table_args__ = (Index("ix_visits_visitor_ends", "visitor_id", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room: Mapped[str | None] = mapped_column(String(200), nullable=True)
    directions: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the host's note to them
    # How the visitor was added: api, invite (page), csv, meeting, ics, feed.
    source: Mapped[str] = mapped_column(String(16), default="api", server_default="api")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VisitorPass(Base):
    """A signed pass (COSE_Sign1) and the secret link that delivers it to one phone."""

    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[str] = mapped_column(String(16), unique=True)  # cti as hex
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kid: Mapped[str] = mapped_column(String(16), index=True)
    cose: Mapped[bytes] = mapped_column(LargeBinary)
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the link token
    zones: Mapped[list[str]] = mapped_column(JSON, default=list)
    doors: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # SHA-256 of the id the first phone sent; a forwarded link cannot bind a second phone.
    bound_device_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
