"""FAQ entries: question variants and answers in Japanese and English, per site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class FaqEntry(Base):
    """One topic (Wi-Fi, parking, ...) with the ways visitors ask and the answers."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("site", "topic", name="uq_faq_entries_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    questions_ja: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer_ja: Mapped[str] = mapped_column(Text)
    answer_en: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqChange(Base):
    """One edit of an FAQ topic: who, when, and the entry before and after (audit trail)."""

    __tablename__ = "faq_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # created | updated | deleted
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    user_name: Mapped[str] = mapped_column(String(320), default="")  # as it read at the time
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
