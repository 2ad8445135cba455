"""FAQ entries: question variants and answers in Japanese and English, per site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
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
