"""Arrival: a visitor phone's own broker login for OwnTracks MQTT mode (Mosquitto's hash).

Revision ID: owntracks_broker_login
Revises: 0001
Depends on: 0003 (the arrival tables)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "owntracks_broker_login"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("arrival_tracks") as batch:
        batch.add_column(sa.Column("owntracks_broker_hash", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("arrival_tracks") as batch:
        batch.drop_column("owntracks_broker_hash")
