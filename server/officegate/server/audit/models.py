"""The audit log's rows: one entry per staff or admin action, and the chain's head."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One action: who (``actor``), when, from where (``ip``), what, before and after.

    ``before``/``after`` are canonical JSON text (sorted keys) so the hash computed on
    append reads back byte for byte on SQLite and PostgreSQL. They never hold a visitor's
    name or contact: an entry outlives the identity it refers to (see docs/privacy.md).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    site: Mapped[str] = mapped_column(String(64), default="")
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no FK: outlives users
    actor: Mapped[str] = mapped_column(String(320), index=True)  # e-mail, "cli", "visitor", ...
    role: Mapped[str] = mapped_column(String(16), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="", index=True)
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's single head row (id 1): appends lock it, so they happen one at a time.

    ``anchor_hash`` is the hash of the newest entry removed by retention: the oldest kept
    entry must chain to it. ``last_hash`` lets a verifier notice entries cut off the end.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every lock
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    anchor_id: Mapped[int] = mapped_column(Integer, default=0)
    anchor_hash: Mapped[str] = mapped_column(String(64))
