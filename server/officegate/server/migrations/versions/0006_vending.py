"""Vending: drink policy, machines and stock, offers, orders, the vending log.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, table: str, ref: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{ref}.id"], ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_{column}_{ref}"))


def upgrade() -> None:
    # Timestamps are naive UTC on both databases (see db.UTCDateTime).
    op.create_table(
        "vending_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("drinks_per_visit", sa.Integer(), nullable=False),
        sa.Column("quiet_from", sa.String(5), nullable=True),
        sa.Column("quiet_until", sa.String(5), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("order_minutes", sa.Integer(), nullable=False),
        _fk("site_id", "vending_policies", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vending_policies")),
        sa.UniqueConstraint("site_id", name=op.f("uq_vending_policies_site_id")),
    )
    op.create_table(
        "vending_machines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("route_zone", sa.String(64), nullable=False),
        sa.Column("label_en", sa.String(120), nullable=False),
        sa.Column("label_ja", sa.String(120), nullable=False),
        sa.Column("stock_at", sa.Float(), nullable=False),
        _fk("device_id", "vending_machines", "devices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vending_machines")),
        sa.UniqueConstraint("device_id", name=op.f("uq_vending_machines_device_id")),
    )
    op.create_table(
        "vending_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("name_ja", sa.String(128), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _fk("machine_id", "vending_slots", "vending_machines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vending_slots")),
        sa.UniqueConstraint("machine_id", "slot", name="uq_vending_slots_slot"),
    )
    op.create_table(
        "drink_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        _fk("visit_id", "drink_offers", "visits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drink_offers")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_drink_offers_visit_id")),
    )
    op.create_table(
        "drink_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.String(16), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("name_ja", sa.String(128), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _fk("visit_id", "drink_orders", "visits"),
        _fk("machine_id", "drink_orders", "vending_machines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drink_orders")),
        sa.UniqueConstraint("order_id", name=op.f("uq_drink_orders_order_id")),
        sa.UniqueConstraint("visit_id", "seat", name="uq_drink_orders_seat"),
    )
    op.create_index(op.f("ix_drink_orders_visit_id"), "drink_orders", ["visit_id"])
    op.create_table(
        "vending_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("machine", sa.String(64), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _fk("site_id", "vending_log", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vending_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_vending_log_event_id")),
    )
    for column in ("kind", "visit_id", "at"):
        op.create_index(op.f(f"ix_vending_log_{column}"), "vending_log", [column])


def downgrade() -> None:
    for table in ("vending_log", "drink_orders", "drink_offers", "vending_slots",
                  "vending_machines", "vending_policies"):
        op.drop_table(table)
