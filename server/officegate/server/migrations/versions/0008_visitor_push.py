"""Visitor push: the pass page's Web Push subscriptions, one visit each.

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-23 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visitor_push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),  # naive UTC (db.UTCDateTime)
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="CASCADE",
                                name=op.f("fk_visitor_push_subscriptions_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_push_subscriptions")),
        sa.UniqueConstraint("visit_id", "address_hash",
                            name=op.f("uq_visitor_push_subscriptions_visit_id")),
    )
    op.create_index(op.f("ix_visitor_push_subscriptions_visit_id"),
                    "visitor_push_subscriptions", ["visit_id"])
    op.create_index(op.f("ix_visitor_push_subscriptions_address_hash"),
                    "visitor_push_subscriptions", ["address_hash"])


def downgrade() -> None:
    op.drop_table("visitor_push_subscriptions")
