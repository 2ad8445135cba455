"""Indexes for the retention job: visitors whose identity is still stored (partial), and
a visitor's visits by end time.

Revision ID: retention_indexes
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "retention_indexes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDENTITY_KEPT = "name <> '' OR email IS NOT NULL"  # as visits.models.IDENTITY_KEPT


def upgrade() -> None:
    op.create_index("ix_visitors_identity_kept", "visitors", ["id"],
                    postgresql_where=sa.text(IDENTITY_KEPT), sqlite_where=sa.text(IDENTITY_KEPT))
    op.create_index("ix_visits_visitor_ends", "visits", ["visitor_id", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_visitor_ends", table_name="visits")
    op.drop_index("ix_visitors_identity_kept", table_name="visitors")
