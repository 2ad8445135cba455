"""Vending: the site's drink policy, machines with their stock, offers, orders and the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class VendingPolicy(Base):
    """How a site gives drinks: how many per visit, quiet hours, how long an order waits."""

    __tablename__ = "vending_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    drinks_per_visit: Mapped[int] = mapped_column(Integer, default=1)
    # Local "HH:MM" in ``timezone``; no offers from quiet_from until quiet_until.
    quiet_from: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_until: Mapped[str | None] = mapped_column(String(5), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    order_minutes: Mapped[int] = mapped_column(Integer, default=30)


class VendingMachine(Base):
    """A vending device and the zone whose gates it stands behind ("on the way")."""

    __tablename__ = "vending_machines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           unique=True)
    route_zone: Mapped[str] = mapped_column(String(64))
    label_en: Mapped[str] = mapped_column(String(120))
    label_ja: Mapped[str] = mapped_column(String(120))
    stock_at: Mapped[float] = mapped_column(default=0.0)  # machine time of the newest report


class VendingSlot(Base):
    """One slot of a machine as last reported: product, names, count."""

    __tablename__ = "vending_slots"
    __table_args__ = (UniqueConstraint("machine_id", "slot", name="uq_vending_slots_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("vending_machines.id",
                                                       ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    name_ja: Mapped[str] = mapped_column(String(128))
    count: Mapped[int] = mapped_column(Integer)


class DrinkOffer(Base):
    """The one proactive offer of a visit (unique per visit: offered once)."""

    __tablename__ = "drink_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          unique=True)
    zone: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DrinkOrder(Base):
    """An order, from the pass page or the machine's buttons.

    ``seat`` holds one unit of the visit's quota (1..drinks_per_visit) while the order is
    open or served; the unique (visit, seat) pair makes two racing orders unable to take the
    same unit. Releasing the quota sets ``seat`` to NULL.
    """

    __tablename__ = "drink_orders"
    __table_args__ = (UniqueConstraint("visit_id", "seat", name="uq_drink_orders_seat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    pass_id: Mapped[str] = mapped_column(String(16))
    machine_id: Mapped[int] = mapped_column(ForeignKey("vending_machines.id",
                                                       ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    name_ja: Mapped[str] = mapped_column(String(128))
    seat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # ordered -> served | failed | cancelled | expired
    status: Mapped[str] = mapped_column(String(16), default="ordered")
    reason: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(16), default="phone")  # phone | buttons
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VendingLogEntry(Base):
    """Every offer, order, serve and failure (and each refused pass at a machine)."""

    __tablename__ = "vending_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)  # dedupe key
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24), index=True)  # offered|ordered|served|failed|...
    machine: Mapped[str | None] = mapped_column(String(64), nullable=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    order_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
