"""Audit log (hash-chained, with its head row); retention per site, privacy requests and
recorded consent.

Revision ID: 0015
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),  # naive UTC (db.UTCDateTime)
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    for column in ("at", "actor", "action", "target"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("anchor_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "last_id": 0, "last_hash": GENESIS,
                           "anchor_id": 0, "anchor_hash": GENESIS}])
    op.create_table(
        "privacy_retention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("identity_days", sa.Integer(), nullable=False),
        sa.Column("access_days", sa.Integer(), nullable=False),
        sa.Column("arrival_days", sa.Integer(), nullable=False),
        sa.Column("audit_days", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE",
                                name=op.f("fk_privacy_retention_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_retention")),
        sa.UniqueConstraint("site_id", name=op.f("uq_privacy_retention_site_id")),
    )
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    for column in ("site", "visitor_id", "subject"):
        op.create_index(op.f(f"ix_privacy_requests_{column}"), "privacy_requests", [column])
    op.create_table(
        "privacy_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="CASCADE",
                                name=op.f("fk_privacy_consents_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_consents")),
    )
    op.create_index(op.f("ix_privacy_consents_visit_id"), "privacy_consents", ["visit_id"])


def downgrade() -> None:
    for table in ("privacy_consents", "privacy_requests", "privacy_retention", "audit_head",
                  "audit_log"):
        op.drop_table(table)
