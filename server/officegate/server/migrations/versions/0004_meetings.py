"""Meetings and room occupancy: rooms, meetings, attendees, calendar feeds, room events.

Revision ID: 0004
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Timestamps are naive UTC on both databases (see db.UTCDateTime).
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("door", sa.String(length=64), nullable=False),
        sa.Column("sensor", sa.String(length=64), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("via_zones", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_rooms_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("name", name=op.f("uq_rooms_name")),
        sa.UniqueConstraint("door", name=op.f("uq_rooms_door")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("last_read_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"],
                                name=op.f("fk_calendar_feeds_room_id_rooms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["host_id"], ["users.id"],
                                name=op.f("fk_calendar_feeds_host_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ical_key", sa.String(length=600), nullable=True),
        sa.Column("ical_uid", sa.String(length=500), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("actual_start", sa.DateTime(), nullable=True),
        sa.Column("actual_end", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_meetings_room_id_rooms"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["host_id"], ["users.id"], name=op.f("fk_meetings_host_id_users")),
        sa.ForeignKeyConstraint(["feed_id"], ["calendar_feeds.id"],
                                name=op.f("fk_meetings_feed_id_calendar_feeds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("ical_key", name=op.f("uq_meetings_ical_key")),
    )
    op.create_index(op.f("ix_meetings_room_id"), "meetings", ["room_id"])
    op.create_index(op.f("ix_meetings_host_id"), "meetings", ["host_id"])
    op.create_index(op.f("ix_meetings_starts_at"), "meetings", ["starts_at"])
    op.create_index(op.f("ix_meetings_ical_uid"), "meetings", ["ical_uid"])
    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("pass_id", sa.String(length=16), nullable=True),
        sa.Column("cose", sa.LargeBinary(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_attendees_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_meeting_attendees_user_id_users")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"],
                                name=op.f("fk_meeting_attendees_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendees")),
    )
    op.create_index(op.f("ix_meeting_attendees_meeting_id"), "meeting_attendees", ["meeting_id"])
    op.create_index(op.f("ix_meeting_attendees_subject"), "meeting_attendees", ["subject"])
    op.create_index(op.f("ix_meeting_attendees_pass_id"), "meeting_attendees", ["pass_id"])
    op.create_table(
        "room_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"],
                                name=op.f("fk_room_events_room_id_rooms"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_events")),
    )
    op.create_index(op.f("ix_room_events_room_id"), "room_events", ["room_id"])
    op.create_index(op.f("ix_room_events_at"), "room_events", ["at"])


def downgrade() -> None:
    for table in ("room_events", "meeting_attendees", "meetings", "calendar_feeds", "rooms"):
        op.drop_table(table)
