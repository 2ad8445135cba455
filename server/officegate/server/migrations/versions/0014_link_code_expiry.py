"""Messaging: link codes that expire, and the attempts kept to throttle guessing per sender.

Revision ID: link_code_expiry
Revises: 0001
Depends on: 0005 (the messaging tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "link_code_expiry"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0005"


def upgrade() -> None:
    # Existing (6-character) codes get no expiry: they no longer work, and the pass page is
    # given a new, longer one the next time it asks.
    with op.batch_alter_table("msg_contacts") as batch:
        batch.add_column(sa.Column("link_code_expires_at", sa.DateTime(), nullable=True))
    op.create_table(
        "msg_link_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),  # naive UTC (db.UTCDateTime)
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_link_attempts")),
    )
    op.create_index(op.f("ix_msg_link_attempts_address_hash"), "msg_link_attempts",
                    ["address_hash"])
    op.create_index(op.f("ix_msg_link_attempts_created_at"), "msg_link_attempts",
                    ["created_at"])


def downgrade() -> None:
    op.drop_table("msg_link_attempts")
    with op.batch_alter_table("msg_contacts") as batch:
        batch.drop_column("link_code_expires_at")
