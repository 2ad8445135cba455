"""Door profiles (opening hours, holidays, fail mode, anti-passback) and passback presence.

Revision ID: 0007
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "door_profiles",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("holidays", sa.Text(), nullable=False),
        sa.Column("fail_mode", sa.String(length=8), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.Column("anti_passback_group", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name=op.f("fk_door_profiles_device_id_devices")),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_door_profiles")),
    )
    op.create_index(op.f("ix_door_profiles_anti_passback_group"), "door_profiles",
                    ["anti_passback_group"], unique=False)
    op.create_table(
        "passback_presence",
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("pass_id", sa.String(length=16), nullable=False),
        sa.Column("inside", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("group_name", "pass_id", name=op.f("pk_passback_presence")),
    )


def downgrade() -> None:
    op.drop_table("passback_presence")
    op.drop_index(op.f("ix_door_profiles_anti_passback_group"), table_name="door_profiles")
    op.drop_table("door_profiles")
