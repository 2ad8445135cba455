"""Signing keys of a site and the server's secrets, sealed with the key-encryption key
(keys/vault.py): every server of the site reads the same ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
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
    file_name: Mapped[str] = mapped_column(String(200))  # the key file before keys were sealed
    # PEM private key + code key, sealed (AES-256-GCM under the KEK); None only for a key
    # still waiting to be moved from its file into the database.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ServerSecret(Base):
    """A secret every server of the site shares (session secret, VAPID key), sealed."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
