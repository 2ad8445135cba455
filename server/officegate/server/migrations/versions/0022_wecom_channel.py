"""WeCom customer service: the sync_msg cursor per account, and a contact's avatar.

Revision ID: wecom_channel
Revises: 0005 (messaging)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wecom_channel"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "msg_channel_cursors",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("cursor", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),  # naive UTC (db.UTCDateTime)
        sa.PrimaryKeyConstraint("channel", "account"),
    )
    with op.batch_alter_table("msg_contacts") as batch:
        batch.add_column(sa.Column("avatar_url", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("msg_contacts") as batch:
        batch.drop_column("avatar_url")
    op.drop_table("msg_channel_cursors")
