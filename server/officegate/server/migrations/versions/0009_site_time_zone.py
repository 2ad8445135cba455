"""Local time: the site's time zone; calendar updates: all-day bookings, LAST-MODIFIED and
attendees removed from an event.

Revision ID: 0009
Revises: 0001
Depends on: 0004 (the meetings tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004"


def upgrade() -> None:
    # NULL: filled from OFFICEGATE_TIMEZONE on the next start (bootstrap.prepare).
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("all_day", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        # naive UTC (db.UTCDateTime), as every timestamp
        batch.add_column(sa.Column("ical_modified", sa.DateTime(), nullable=True))
    with op.batch_alter_table("meeting_attendees") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_attendees") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("ical_modified")
        batch.drop_column("all_day")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("timezone")
