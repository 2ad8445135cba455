"""Pass scope: which zones hosts may put on a visitor's pass (the lobby until staff say more).

Revision ID: 0012
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.add_column(sa.Column("visitor_grantable", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # What hosts could always grant in practice: the lobby (sites.service.VISITOR_ZONES).
    zones = sa.table("zones", sa.column("name", sa.String()),
                     sa.column("visitor_grantable", sa.Boolean()))
    op.execute(zones.update().where(zones.c.name == "lobby").values(visitor_grantable=True))


def downgrade() -> None:
    with op.batch_alter_table("zones") as batch:
        batch.drop_column("visitor_grantable")
