"""Messaging: the language a visitor chose on the pass page; the FAQ's change history.

Revision ID: 0013
Revises: 0001
Depends on: 0005 (the messaging and FAQ tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0005"


def upgrade() -> None:
    with op.batch_alter_table("msg_contacts") as batch:
        batch.add_column(sa.Column("pass_lang", sa.String(2), nullable=True))
    op.create_table(
        "faq_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(320), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),  # naive UTC (db.UTCDateTime)
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_faq_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_changes")),
    )
    op.create_index(op.f("ix_faq_changes_site"), "faq_changes", ["site"])
    op.create_index(op.f("ix_faq_changes_topic"), "faq_changes", ["topic"])
    op.create_index(op.f("ix_faq_changes_created_at"), "faq_changes", ["created_at"])


def downgrade() -> None:
    op.drop_table("faq_changes")
    with op.batch_alter_table("msg_contacts") as batch:
        batch.drop_column("pass_lang")
