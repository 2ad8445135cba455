"""A site's geofence settings and each visit's arrival track (distances and times, no fixes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class ArrivalSite(Base):
    """Where a site is and how its lobby works: fence, approach ring, check-in rules."""

    __tablename__ = "arrival_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"),
                                         unique=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    approach_m: Mapped[float] = mapped_column(Float)
    polygon: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    # Zones a visitor's pass gets only at check-in (the security area behind the lobby gate).
    checkin_zones: Mapped[list[str]] = mapped_column(JSON, default=list)
    exit_devices: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    lobby_wait_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # After the first "waiting" notice: remind the host every N minutes, at most M times,
    # until someone meets the visitor (see arrival/waiting.py).
    lobby_remind_minutes: Mapped[int] = mapped_column(Integer, default=10)
    lobby_reminders: Mapped[int] = mapped_column(Integer, default=3)
    ack_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ack_text_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    ack_text_ja: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ArrivalTrack(Base):
    """One visit's arrival: consent, OwnTracks credentials, and the decided steps."""

    __tablename__ = "arrival_tracks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          unique=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    owntracks_user: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    owntracks_secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Mosquitto's hash of the same password: the phone's broker login in MQTT mode, kept
    # until the visit ends (arrival/phone_broker.py).
    owntracks_broker_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The payload encryption secret (encryptionKey), sealed with the server's key; and
    # whether the phone has sent encrypted messages (then plain ones are refused).
    owntracks_key_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    owntracks_encrypts: Mapped[bool] = mapped_column(Boolean, default=False)
    # First message from the app since set-up: it is sent the office region then.
    owntracks_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The decision state: counts, the newest fix time and distance, never coordinates.
    inside_count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    approached_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approach_distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    approach_accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    eta_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    arrival_distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    arrival_accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    arrival_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Someone (the host, staff) met the visitor: no more "waiting" reminders.
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    met_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                               nullable=True)
