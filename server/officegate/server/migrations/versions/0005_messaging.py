"""Messaging: contacts, channel identities, conversations, messages, CSAT, FAQ.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", sa.DateTime(), nullable=False)


def upgrade() -> None:
    # Timestamps are naive UTC on both databases (see db.UTCDateTime).
    op.create_table(
        "msg_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open_id", sa.String(32), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("link_code", sa.String(16), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        _now(),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"],
                                name=op.f("fk_msg_contacts_visitor_id_visitors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_contacts")),
        sa.UniqueConstraint("open_id", name=op.f("uq_msg_contacts_open_id")),
        sa.UniqueConstraint("visitor_id", name=op.f("uq_msg_contacts_visitor_id")),
        sa.UniqueConstraint("link_code", name=op.f("uq_msg_contacts_link_code")),
    )
    op.create_index(op.f("ix_msg_contacts_site"), "msg_contacts", ["site"])
    op.create_index(op.f("ix_msg_contacts_visit_id"), "msg_contacts", ["visit_id"])
    op.create_table(
        "msg_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["contact_id"], ["msg_contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_msg_identities_contact_id_msg_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_identities")),
        sa.UniqueConstraint("channel", "address", name="uq_msg_identities_address"),
    )
    op.create_index(op.f("ix_msg_identities_contact_id"), "msg_identities", ["contact_id"])
    op.create_table(
        "msg_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(16), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        _now(),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.Column("first_reply_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["msg_contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_msg_conversations_contact_id_msg_contacts")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"],
                                name=op.f("fk_msg_conversations_assignee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_conversations")),
    )
    for col in ("contact_id", "site", "status", "assignee_id"):
        op.create_index(op.f(f"ix_msg_conversations_{col}"), "msg_conversations", [col])
    op.create_table(
        "msg_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("event_kind", sa.String(32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=True),
        _now(),
        sa.ForeignKeyConstraint(["contact_id"], ["msg_contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_msg_messages_contact_id_msg_contacts")),
        sa.ForeignKeyConstraint(["conversation_id"], ["msg_conversations.id"],
                                ondelete="CASCADE",
                                name=op.f("fk_msg_messages_conversation_id_msg_conversations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_msg_messages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_messages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_msg_messages_dedup_key")),
    )
    for col in ("contact_id", "conversation_id", "event_kind", "external_id", "created_at"):
        op.create_index(op.f(f"ix_msg_messages_{col}"), "msg_messages", [col])
    op.create_table(
        "msg_csat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _now(),
        sa.ForeignKeyConstraint(["contact_id"], ["msg_contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_msg_csat_contact_id_msg_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_csat")),
        sa.UniqueConstraint("contact_id", "visit_id", name="uq_msg_csat_visit"),
    )
    op.create_table(
        "msg_webhook_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_msg_webhook_receipts")),
        sa.UniqueConstraint("channel", "event_id", name="uq_msg_receipts_event"),
    )
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("questions_ja", sa.JSON(), nullable=False),
        sa.Column("questions_en", sa.JSON(), nullable=False),
        sa.Column("answer_ja", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("site", "topic", name="uq_faq_entries_topic"),
    )
    op.create_index(op.f("ix_faq_entries_site"), "faq_entries", ["site"])


def downgrade() -> None:
    for table in ("faq_entries", "msg_webhook_receipts", "msg_csat", "msg_messages",
                  "msg_conversations", "msg_identities", "msg_contacts"):
        op.drop_table(table)
