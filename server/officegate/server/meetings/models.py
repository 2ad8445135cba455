"""Rooms (a door device, maybe an occupancy sensor), meetings, attendees, calendar feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class Room(Base):
    """A bookable meeting room; ``door`` is the device name of its door reader."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    door: Mapped[str] = mapped_column(String(64), unique=True)
    sensor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    # Zones a meeting's visitor also needs on the way (e.g. the lobby gate).
    via_zones: Mapped[list[str]] = mapped_column(JSON, default=list)


class Meeting(Base):
    """One booked occurrence in a room; an iCalendar event occurrence is one row."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # scheduled | cancelled | no_show (released)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    source: Mapped[str] = mapped_column(String(16), default="api")  # api | ics | feed
    # "<UID>|<RECURRENCE-ID as UTC ISO or empty>": one row per calendar occurrence
    ical_key: Mapped[str | None] = mapped_column(String(600), unique=True, nullable=True)
    ical_uid: Mapped[str | None] = mapped_column(String(500), nullable=True, index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # LAST-MODIFIED of the calendar copy applied: an edit that keeps SEQUENCE (Google does
    # so for attendee changes) is newer when this moves on.
    ical_modified: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A whole-day booking (DATE value in the calendar), midnight to midnight site time.
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_feeds.id"), nullable=True)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attendee(Base):
    """A person invited to a meeting: an employee (user) or a visitor (with a visit)."""

    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(16))  # employee | visitor
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), nullable=True)
    subject: Mapped[str] = mapped_column(String(32), index=True)  # the pass's "sub"
    pass_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    # Employee passes live here (visitor passes are the visits domain's VisitorPass rows).
    cose: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Taken off the event in the calendar: the pass is revoked, the row kept for the log
    # (and, for employees, for the revocation list).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CalendarFeed(Base):
    """A subscribed iCalendar URL, re-read periodically into one room's meetings."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
