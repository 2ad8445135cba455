"""Arrival, notifications, lobby check-in and on-site roll calls.

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def upgrade() -> None:
    # Timestamps are naive UTC on both databases (see db.UTCDateTime).
    op.create_table(
        "arrival_sites", _id(),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("approach_m", sa.Float(), nullable=False),
        sa.Column("polygon", sa.JSON(), nullable=False),
        sa.Column("checkin_zones", sa.JSON(), nullable=False),
        sa.Column("exit_devices", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("lobby_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("ack_version", sa.String(32), nullable=True),
        sa.Column("ack_text_en", sa.Text(), nullable=True),
        sa.Column("ack_text_ja", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "arrival_tracks", _id(),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("owntracks_user", sa.String(32), nullable=True, unique=True),
        sa.Column("owntracks_secret_hash", sa.String(64), nullable=True),
        sa.Column("owntracks_seen_at", sa.DateTime(), nullable=True),
        sa.Column("inside_count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=True),
        sa.Column("last_distance_m", sa.Float(), nullable=True),
        sa.Column("approached_at", sa.DateTime(), nullable=True),
        sa.Column("approach_distance_m", sa.Float(), nullable=True),
        sa.Column("approach_accuracy_m", sa.Float(), nullable=True),
        sa.Column("eta_s", sa.Integer(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(), nullable=True),
        sa.Column("arrival_distance_m", sa.Float(), nullable=True),
        sa.Column("arrival_accuracy_m", sa.Float(), nullable=True),
        sa.Column("arrival_source", sa.String(16), nullable=True),
    )
    op.create_table(
        "checkins", _id(),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.Column("held_list", sa.String(8), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(), nullable=True),
        sa.Column("checkout_how", sa.String(16), nullable=True),
        sa.Column("ack_version", sa.String(32), nullable=True),
        sa.Column("ack_at", sa.DateTime(), nullable=True),
        sa.Column("gate_passed_at", sa.DateTime(), nullable=True),
        sa.Column("waiting_notified_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "watchlist", _id(),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "notify_targets", _id(),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "notify_prefs",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("fallback_url", sa.Text(), nullable=True),
        sa.Column("ack_minutes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "notices", _id(),
        sa.Column("key", sa.String(160), nullable=False, unique=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"),
                  nullable=True, index=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("title_ja", sa.String(200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "rollcalls", _id(),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "rollcall_marks", _id(),
        sa.Column("rollcall_id", sa.Integer(),
                  sa.ForeignKey("rollcalls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person", sa.String(24), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.Column("marked_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("rollcall_id", "person", name="uq_rollcall_marks_rollcall_person"),
    )


def downgrade() -> None:
    for table in ("rollcall_marks", "rollcalls", "notices", "notify_prefs", "notify_targets",
                  "watchlist", "checkins", "arrival_tracks", "arrival_sites"):
        op.drop_table(table)
