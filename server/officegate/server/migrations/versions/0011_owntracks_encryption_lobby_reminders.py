"""OwnTracks payload encryption (each person's secret, sealed) and lobby reminders: how often
and how many times the host is reminded of a waiting visitor, and who met them.

Revision ID: 0011
Revises: 0001
Depends on: 0003 (the arrival tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("arrival_tracks") as batch:
        batch.add_column(sa.Column("owntracks_key_sealed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("owntracks_encrypts", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        # naive UTC (db.UTCDateTime), as every timestamp
        batch.add_column(sa.Column("met_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("met_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_arrival_tracks_met_by_users"), "users",
                                 ["met_by"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("arrival_sites") as batch:
        batch.add_column(sa.Column("lobby_remind_minutes", sa.Integer(), nullable=False,
                                   server_default="10"))
        batch.add_column(sa.Column("lobby_reminders", sa.Integer(), nullable=False,
                                   server_default="3"))


def downgrade() -> None:
    with op.batch_alter_table("arrival_sites") as batch:
        batch.drop_column("lobby_reminders")
        batch.drop_column("lobby_remind_minutes")
    with op.batch_alter_table("arrival_tracks") as batch:
        batch.drop_constraint(op.f("fk_arrival_tracks_met_by_users"), type_="foreignkey")
        batch.drop_column("met_by")
        batch.drop_column("met_at")
        batch.drop_column("owntracks_encrypts")
        batch.drop_column("owntracks_key_sealed")
