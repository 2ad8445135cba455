"""Sign-in sessions kept on the server, so logging out ends them.

The session cookie (signed by Starlette's SessionMiddleware) carries a random session id;
only its SHA-256 is stored here. Logging out deletes the row, so a copy of the cookie made
before stops working at once; the row also expires with the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow

SESSION_ID_KEY = "sid"
SESSION_HOURS = 12  # the cookie's max_age too


class WebSession(Base):
    """One signed-in browser."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(*, db: Session, user_id: int) -> str:
    """A new session for ``user_id``; returns the id to put in the cookie."""
    session_id = secrets.token_urlsafe(32)
    db.add(WebSession(id_hash=_hash(session_id), user_id=user_id,
                      expires_at=utcnow() + timedelta(hours=SESSION_HOURS)))
    db.flush()
    return session_id


def user_id_of(*, db: Session, session_id: object) -> int | None:
    """The user of a live session id, else None (ended, expired or never issued)."""
    if not isinstance(session_id, str) or not session_id:
        return None
    row = db.scalar(select(WebSession).where(WebSession.id_hash == _hash(session_id)))
    if row is None or row.expires_at <= utcnow():
        return None
    return row.user_id


def end(*, db: Session, session_id: object) -> None:
    """Forget a session (logout); expired rows go at the same time."""
    if isinstance(session_id, str) and session_id:
        db.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
    db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
