"""Durable outbox of access events: written before anything is sent, removed only once the
broker acknowledged it (QoS 1 PUBACK).

SQLite in WAL mode with ``synchronous=FULL``: a committed ``put`` survives SIGKILL and power
loss. The outbox is bounded (rows and age). Past the bound the oldest events are dropped
with a WARNING and a persistent ``dropped`` count: an edge offline for weeks must keep its
gate working, but nobody should be surprised that old events are gone.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from officegate.protocol.messages import AccessEvent, DoorEvent

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('dropped', 0);
"""


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event waiting for the broker: its id and the exact JSON to publish."""

    id: str
    created: float
    payload: bytes


class Outbox:
    """The event outbox at ``path`` (a SQLite file). Safe to use from several threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_rows: int = 100_000,
        max_age_seconds: float = 30 * 86_400,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.max_rows = max_rows
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # Owner-only before SQLite opens it (its -wal and -shm files take the same mode):
        # the outbox holds who went through which door.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._warned_full = False

    def _now(self) -> float:
        return self._clock()

    def put(self, event: AccessEvent | DoorEvent) -> None:
        """Store ``event`` durably (committed and synced when this returns)."""
        with self._lock:
            # One transaction, one sync: the insert and any trimming land together.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR IGNORE INTO events (id, created, payload) VALUES (?, ?, ?)",
                    (event.id, self._now(), event.to_json()),
                )
                gone = self._enforce_bounds()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if gone:
            log.warning("event outbox over its bound (%d rows, %.0f days): dropped %d oldest "
                        "undelivered events", self.max_rows, self.max_age_seconds / 86_400, gone)

    def pending(self, limit: int = 100) -> list[PendingEvent]:
        """The oldest ``limit`` events not yet acknowledged, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created, payload FROM events ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [PendingEvent(r[0], r[1], bytes(r[2])) for r in rows]

    def mark_sent(self, event_id: str) -> None:
        """Forget ``event_id``: the broker has acknowledged it."""
        with self._lock:
            self._db.execute("DELETE FROM events WHERE id = ?", (event_id,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    @property
    def dropped(self) -> int:
        """How many events were ever dropped because the outbox was over its bound."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name='dropped'").fetchone()
        return int(row[0])

    def _enforce_bounds(self) -> int:
        count = int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        if count >= self.max_rows * 0.8 and not self._warned_full:
            self._warned_full = True
            log.warning("event outbox is %d/%d full: is the broker reachable?",
                        count, self.max_rows)
        elif count < self.max_rows * 0.5:
            self._warned_full = False
        cutoff = self._now() - self.max_age_seconds
        over = max(0, count - self.max_rows)
        gone = self._db.execute("DELETE FROM events WHERE created < ?", (cutoff,)).rowcount
        if over:
            gone += self._db.execute(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)",
                (over,),
            ).rowcount
        if gone:
            self._db.execute("UPDATE meta SET value = value + ? WHERE name='dropped'", (gone,))
        return gone

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
