"""Appending to the audit log, searching it, and trimming it by retention."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.audit.chain import GENESIS, Verdict, canonical, entry_hash, verify
from officegate.server.audit.models import AuditEntry, AuditHead
from officegate.server.auth.models import User
from officegate.server.db import session_scope, utcnow

HEAD_ID = 1
BATCH = 500


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something and from where."""

    actor: str
    actor_id: int | None = None
    role: str = ""
    ip: str = ""
    site: str = ""


def actor_of(request: Request | None, user: User | None, *, name: str | None = None) -> Actor:
    """The actor of a request: the signed-in user (or ``name``) and the client's address."""
    ip = request.client.host if request is not None and request.client else ""
    site = ""
    if request is not None:
        state = getattr(request.app.state, "officegate", None)
        site = state.settings.site if state is not None else ""
    if user is not None:
        return Actor(actor=user.email, actor_id=user.id, role=user.role, ip=ip, site=site)
    return Actor(actor=name or "anonymous", ip=ip, site=site)


def snapshot(value: Any) -> Any:
    """A dataclass or pydantic model as plain JSON-able values (for before/after)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def _lock_head(db: Session) -> AuditHead:
    # An UPDATE takes the write lock on both databases (a row lock on PostgreSQL, the
    # database's write lock on SQLite) before the head is read: appends queue up here, so
    # two servers can never chain two entries to the same predecessor.
    done = db.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                      .values(seq=AuditHead.seq + 1))
    if done.rowcount == 0:  # type: ignore[attr-defined]
        db.add(AuditHead(id=HEAD_ID, seq=1, last_id=0, last_hash=GENESIS, anchor_id=0,
                         anchor_hash=GENESIS))
        db.flush()
    return db.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)
                      .execution_options(populate_existing=True)).scalar_one()


def record(db: Session, *, who: Actor, action: str, target: object = "",
           before: Any = None, after: Any = None, at: datetime | None = None) -> AuditEntry:
    """Append one entry in ``db``'s transaction (the action and its record commit together).

    ``before``/``after`` must be JSON-able and hold no visitor identity (ids, not names).
    """
    head = _lock_head(db)
    entry = AuditEntry(at=at or utcnow(), site=who.site, actor_id=who.actor_id,
                       actor=who.actor[:320], role=who.role, ip=who.ip[:64], action=action,
                       target=str(target)[:200], before=canonical(before),
                       after=canonical(after), prev_hash=head.last_hash, hash="")
    entry.hash = entry_hash(entry)
    db.add(entry)
    db.flush()
    head.last_id, head.last_hash = entry.id, entry.hash
    return entry


def record_apart(sessions: sessionmaker[Session], **kwargs: Any) -> None:
    """Append in a transaction of its own: for what must be kept although the request
    fails (a wrong password, a refused action)."""
    with session_scope(sessions) as db:
        record(db, **kwargs)


def check_chain(db: Session) -> Verdict:
    """Verify the whole chain, oldest first, reading it in batches."""
    head = db.get(AuditHead, HEAD_ID)
    anchor = head.anchor_hash if head else GENESIS
    last_hash, last_id = (head.last_hash, head.last_id) if head else (GENESIS, 0)
    rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id)
                      .execution_options(yield_per=BATCH))
    return verify(rows, anchor=anchor, last_hash=last_hash, last_id=last_id)


def _search(query: str = "", action: str = "", since: datetime | None = None,
            until: datetime | None = None) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(AuditEntry.actor.ilike(like), AuditEntry.target.ilike(like),
                              AuditEntry.ip.ilike(like), AuditEntry.action.ilike(like)))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


def search(db: Session, *, query: str = "", action: str = "", since: datetime | None = None,
           until: datetime | None = None, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """Entries newest first matching ``query`` (actor, target, address or action)."""
    stmt = _search(query, action, since, until).order_by(AuditEntry.id.desc())
    return list(db.scalars(stmt.limit(limit).offset(offset)))


def iter_matching(db: Session, **filters: Any) -> Iterator[AuditEntry]:
    """Every matching entry oldest first, read in batches (for the CSV)."""
    stmt = _search(**filters).order_by(AuditEntry.id).execution_options(yield_per=BATCH)
    yield from db.scalars(stmt)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character is quoted (OWASP
    CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_COLUMNS = ("id", "at", "site", "actor", "role", "ip", "action", "target", "before",
               "after", "hash")


def csv_rows(entries: Iterator[AuditEntry]) -> Iterator[str]:
    """The CSV text, a line at a time, every cell defused."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([defuse(entry.id), defuse(entry.at.isoformat()), defuse(entry.site),
                         defuse(entry.actor), defuse(entry.role), defuse(entry.ip),
                         defuse(entry.action), defuse(entry.target), defuse(entry.before),
                         defuse(entry.after), defuse(entry.hash)])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def prune(sessions: sessionmaker[Session], *, before: datetime, batch: int = BATCH) -> int:
    """Remove entries older than ``before``, oldest first, a batch per transaction; the
    head's anchor moves to the newest removed entry so what is kept still verifies."""
    removed = 0
    while True:
        with session_scope(sessions) as db:
            head = _lock_head(db)
            rows = db.execute(select(AuditEntry.id, AuditEntry.hash)
                              .where(AuditEntry.at < before, AuditEntry.id < head.last_id)
                              .order_by(AuditEntry.id).limit(batch)).all()
            if not rows:
                return removed
            db.execute(delete(AuditEntry).where(AuditEntry.id <= rows[-1].id))
            head.anchor_id, head.anchor_hash = rows[-1].id, rows[-1].hash
            removed += len(rows)
