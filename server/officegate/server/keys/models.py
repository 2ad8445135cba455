"""Signing keys of a site: the private key lives in a 0600 file, this row describes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class SigningKeyRecord(Base):
    """One signing key; the newest unrotated one signs new passes.

    A rotated key stays published until the last pass it signed expires, then it is retired.
    """

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)  # hex of the 8-byte kid
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    alg: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
