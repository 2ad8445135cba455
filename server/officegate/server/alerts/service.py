"""Raise, list and resolve alerts for facility staff."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from officegate.protocol.messages import DoorEvent
from officegate.server.alerts.models import Alert
from officegate.server.db import utcnow

log = logging.getLogger(__name__)

#: Alert kinds and how staff read them (English, Japanese).
KINDS: dict[str, tuple[str, str]] = {
    "device_offline": ("Device offline too long", "デバイスが長時間オフラインです"),
    "device_back_online": ("Device back online", "デバイスがオンラインに戻りました"),
    "door_forced_open": ("Door forced open", "ドアがこじ開けられました"),
    "door_held_open": ("Door held open", "ドアが開いたままです"),
    "code_replayed": ("Same code at two doors", "同じコードが2つのドアで使われました"),
    "lockdown": ("Site lockdown", "全館ロックダウン"),
    "emergency_unlock": ("Emergency unlock", "緊急解錠"),
    "remote_unlock": ("Remote unlock", "遠隔解錠"),
    "anti_passback": ("Entered twice without leaving", "退出せずに再入場"),
    "guessing_burst": ("Many failed sign-ins or codes", "ログインやコードの失敗が多発"),
}


def raise_alert(*, db: Session, site: str, kind: str, device: str | None = None,
                detail: str = "", by_user: str | None = None) -> Alert:
    """Record an alert (logged at WARNING too, so it reaches the service log)."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    alert = Alert(site=site, device=device, kind=kind, detail=detail[:2000], at=utcnow(),
                  by_user=by_user)
    db.add(alert)
    db.flush()
    log.warning("alert %s on %s: %s%s", kind, device or site, detail[:200],
                f" (by {by_user})" if by_user else "")
    return alert


def ingest_door_event(*, db: Session, event: DoorEvent) -> bool:
    """Store a door alarm once per event id; "door_closed" resolves the door's open alarms.

    Returns True when the event was new.
    """
    if event.kind == "door_closed":
        count = sum(resolve_device_alerts(db=db, device=event.device, kind=kind)
                    for kind in ("door_forced_open", "door_held_open"))
        return count > 0
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Alert).values(
        event_id=event.id, site=event.site, device=event.device, kind=event.kind,
        detail=event.detail[:2000], at=datetime.fromtimestamp(event.at, UTC),
    ).on_conflict_do_nothing(index_elements=["event_id"]).returning(Alert.id)
    inserted = db.execute(stmt).scalar_one_or_none() is not None
    if inserted:
        log.warning("alert %s on %s: %s", event.kind, event.device, event.detail[:200])
    return inserted


def list_alerts(*, db: Session, site: str, open_only: bool = False,
                limit: int = 100) -> list[Alert]:
    """The site's alerts, newest first."""
    query = select(Alert).where(Alert.site == site).order_by(Alert.at.desc(), Alert.id.desc())
    if open_only:
        query = query.where(Alert.resolved_at.is_(None))
    return list(db.scalars(query.limit(limit)))


def resolve_device_alerts(*, db: Session, device: str, kind: str) -> int:
    """Mark ``device``'s open alerts of ``kind`` resolved; returns how many."""
    open_alerts = db.scalars(select(Alert).where(
        Alert.device == device, Alert.kind == kind, Alert.resolved_at.is_(None)))
    count = 0
    for alert in open_alerts:
        alert.resolved_at = utcnow()
        count += 1
    return count


def label(kind: str) -> tuple[str, str]:
    """(English, Japanese) label of an alert kind."""
    return KINDS.get(kind, (kind, kind))
