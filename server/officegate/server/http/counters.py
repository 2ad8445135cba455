"""A ``limits`` storage on this project's database: failure counters shared by every server
process on one PostgreSQL (SQLite works too; it is what the unit test uses).

Fixed windows only (``FixedWindowRateLimiter``): one row per counter with its expiry.
"""

from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import Engine, Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base


class RateCounter(Base):
    """One failure counter of the throttle (the key is hashed: no e-mail or address)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float)  # UNIX time the window ends


class DatabaseStorage(Storage):
    """``limits`` storage in the ``rate_counters`` table."""

    STORAGE_SCHEME = ["officegate+database"]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        """What a database failure raises."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``; a window that ended starts again with it."""
        now = time.time()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(RateCounter).values(key=key, count=amount,
                                                  expires_at=now + expiry)
        ended = RateCounter.expires_at <= now
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
            "count": case((ended, stmt.excluded.count), else_=RateCounter.count + amount),
            "expires_at": case((ended, stmt.excluded.expires_at),
                               else_=RateCounter.expires_at)}).returning(RateCounter.count)
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        """The count of ``key`` in its current window (0 when none)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(RateCounter.count).where(
                RateCounter.key == key, RateCounter.expires_at > time.time())).scalar()
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        """When the window of ``key`` ends (now when it has none)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(RateCounter.expires_at).where(
                RateCounter.key == key)).scalar()
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Delete every counter; returns how many there were."""
        with self.engine.begin() as conn:
            return conn.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        """Delete one counter."""
        with self.engine.begin() as conn:
            conn.execute(delete(RateCounter).where(RateCounter.key == key))
