"""Host pages and one invitation path: a user's page language, what the invite page asks
of a visitor, where a visit came from, and whether a deny/watch-list hold happened at
invitation or at check-in.

Revision ID: 0014host
Revises: 0001
Depends on: 0003 (the check-in tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014host"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("lang", sa.String(8), nullable=True))
    with op.batch_alter_table("visitors") as batch:
        batch.add_column(sa.Column("phone", sa.String(40), nullable=True))
        batch.add_column(sa.Column("company", sa.String(200), nullable=True))
        batch.add_column(sa.Column("lang", sa.String(8), nullable=True))
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(16), nullable=False,
                                   server_default="api"))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("held_stage", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cleared_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("cleared_at")
        batch.drop_column("held_stage")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("source")
        batch.drop_column("note")
    with op.batch_alter_table("visitors") as batch:
        batch.drop_column("lang")
        batch.drop_column("company")
        batch.drop_column("phone")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("lang")
