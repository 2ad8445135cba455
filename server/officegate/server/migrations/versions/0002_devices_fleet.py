"""Devices fleet: broker credentials, device health (heartbeat, offline) and staff alerts.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name=op.f("fk_device_credentials_device_id_devices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_credentials")),
    )
    op.create_index(op.f("ix_device_credentials_device_id"), "device_credentials",
                    ["device_id"], unique=False)
    op.create_table(
        "device_health",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat", sa.Text(), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("offline_alerted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name=op.f("fk_device_health_device_id_devices")),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_health")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_user", sa.String(length=254), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("event_id", name=op.f("uq_alerts_event_id")),
    )
    op.create_index(op.f("ix_alerts_site"), "alerts", ["site"], unique=False)
    op.create_index(op.f("ix_alerts_device"), "alerts", ["device"], unique=False)
    op.create_index(op.f("ix_alerts_at"), "alerts", ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("device_health")
    op.drop_table("device_credentials")
