"""Staff console: alarms with severity, acknowledgement and escalation; who is on duty;
the site's alarm policy; the access log's search by device reads (device, time); user
accounts' one-time password links.

Revision ID: 0014s
Revises: 0001
Depends on: 0002 (the alerts table)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014s"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("severity", sa.String(8), nullable=False,
                                   server_default="warning"))
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(254), nullable=True))
        # Escalation: the level wanted (raised by the escalation job) and the level delivered.
        batch.add_column(sa.Column("level", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("notified_level", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("notified_at", sa.DateTime(), nullable=True))
    op.create_index("ix_alerts_pending", "alerts", ["notified_level", "level"])
    # Newest first for one device: (device, at) replaces the index on device alone.
    op.drop_index("ix_access_events_device", table_name="access_events")
    op.create_index("ix_access_events_device_at", "access_events", ["device", "at"])
    op.create_table(
        "alert_policy",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("escalate_minutes", sa.Integer(), nullable=False, server_default="5"),
        sa.Column("max_level", sa.Integer(), nullable=False, server_default="3"),
        sa.Column("email", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("apprise_urls", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_alert_policy")),
    )
    op.create_table(
        "alert_duty",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_duty_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_duty")),
    )
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_password_links_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_links_token_hash")),
    )
    op.create_index(op.f("ix_password_links_user_id"), "password_links", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_password_links_user_id"), table_name="password_links")
    op.drop_table("password_links")
    op.drop_table("alert_duty")
    op.drop_table("alert_policy")
    op.drop_index("ix_access_events_device_at", table_name="access_events")
    op.create_index("ix_access_events_device", "access_events", ["device"])
    op.drop_index("ix_alerts_pending", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        for column in ("notified_at", "notified_level", "level", "acknowledged_by",
                       "acknowledged_at", "severity"):
            batch.drop_column(column)
