"""Sites (an office building) and their zones (lobby, floor 3, ...)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base


class Site(Base):
    """An office; its code is the pass issuer (``iss``), e.g. "hq"."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Versions of the retained keyset and revocation list, so edges keep the newest.
    keyset_version: Mapped[int] = mapped_column(Integer, default=0)
    revocations_version: Mapped[int] = mapped_column(Integer, default=0)
    # IANA zone every page, message and all-day booking of the site is read in; empty until
    # the first start fills it from OFFICEGATE_TIMEZONE (then the admin API changes it).
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Zone(Base):
    """An area of a site that passes may allow, e.g. "lobby"."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_zones_site_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # Hosts may put this zone (and its doors) on a visitor's pass; staff may grant any zone.
    visitor_grantable: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
