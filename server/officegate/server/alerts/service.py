"""Raise, list, acknowledge and resolve alarms for facility staff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from officegate.protocol.messages import DoorEvent
from officegate.server.alerts.models import Alert
from officegate.server.db import utcnow
from officegate.server.errors import NotFound

log = logging.getLogger(__name__)

CRITICAL, WARNING, INFO = "critical", "warning", "info"
SEVERITIES = (CRITICAL, WARNING, INFO)


@dataclass(frozen=True, slots=True)
class Kind:
    """How staff read an alert kind, and how urgent it is."""

    en: str
    ja: str
    severity: str


#: Alert kinds. "critical" and "warning" reach the staff on duty and wait for a person.
KINDS: dict[str, Kind] = {
    "door_forced_open": Kind("Door forced open", "ドアがこじ開けられました", CRITICAL),
    "code_replayed": Kind("Same code at two doors", "同じコードが2つのドアで使われました",
                          CRITICAL),
    "door_held_open": Kind("Door held open", "ドアが開いたままです", WARNING),
    "anti_passback": Kind("Entered twice without leaving", "退出せずに再入場", WARNING),
    "guessing_burst": Kind("Many failed sign-ins or codes", "ログインやコードの失敗が多発",
                           WARNING),
    "device_offline": Kind("Device offline too long", "デバイスが長時間オフラインです", WARNING),
    "lockdown": Kind("Site lockdown", "全館ロックダウン", WARNING),
    "emergency_unlock": Kind("Emergency unlock", "緊急解錠", WARNING),
    "device_back_online": Kind("Device back online", "デバイスがオンラインに戻りました", INFO),
    "remote_unlock": Kind("Remote unlock", "遠隔解錠", INFO),
    "mode_change": Kind("Door mode changed", "ドアのモード変更", INFO),
    "door_closed": Kind("Door closed again", "ドアが閉まりました", INFO),
}


def changed(result: Any) -> int:
    """How many rows an UPDATE ``result`` changed (its cursor's rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)


def severity_of(kind: str) -> str:
    """The severity of an alert kind ("warning" for kinds we do not know)."""
    known = KINDS.get(kind)
    return known.severity if known is not None else WARNING


def needs_person(severity: str) -> bool:
    """Whether alarms of ``severity`` are delivered and wait for an acknowledgement."""
    return severity != INFO


def raise_alert(*, db: Session, site: str, kind: str, device: str | None = None,
                detail: str = "", by_user: str | None = None) -> Alert:
    """Record an alert (logged at WARNING too, so it reaches the service log); one that
    needs a person is delivered by the console's dispatcher after the commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    severity = severity_of(kind)
    alert = Alert(site=site, device=device, kind=kind, detail=detail[:2000], at=utcnow(),
                  by_user=by_user, severity=severity, level=0,
                  notified_level=-1 if needs_person(severity) else 0)
    db.add(alert)
    db.flush()
    log.warning("alert %s on %s: %s%s", kind, device or site, detail[:200],
                f" (by {by_user})" if by_user else "")
    return alert


def ingest_door_event(*, db: Session, event: DoorEvent) -> bool:
    """Store a door alarm once per event id; "door_closed" resolves the door's open alarms
    (and is kept as an "info" row, so the log shows when the door closed).

    Returns True when the event was new.
    """
    severity = severity_of(event.kind)
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Alert).values(
        event_id=event.id, site=event.site, device=event.device, kind=event.kind,
        detail=event.detail[:2000], at=datetime.fromtimestamp(event.at, UTC),
        severity=severity, level=0, notified_level=-1 if needs_person(severity) else 0,
    ).on_conflict_do_nothing(index_elements=["event_id"]).returning(Alert.id)
    inserted = db.execute(stmt).scalar_one_or_none() is not None
    if inserted and event.kind == "door_closed":
        for kind in ("door_forced_open", "door_held_open"):
            resolve_device_alerts(db=db, device=event.device, kind=kind)
    elif inserted:
        log.warning("alert %s on %s: %s", event.kind, event.device, event.detail[:200])
    return inserted


def list_alerts(*, db: Session, site: str, open_only: bool = False,
                limit: int = 100) -> list[Alert]:
    """The site's alerts, newest first (``open_only``: not resolved)."""
    query = select(Alert).where(Alert.site == site).order_by(Alert.at.desc(), Alert.id.desc())
    if open_only:
        query = query.where(Alert.resolved_at.is_(None))
    return list(db.scalars(query.limit(limit)))


def open_alarms(*, db: Session, site: str, limit: int = 100) -> list[Alert]:
    """Alarms still waiting for a person, most severe first, then newest: not acknowledged,
    and not resolved by the device (a forced door stays open until someone looks at it)."""
    query = (select(Alert).where(
        Alert.site == site, Alert.severity != INFO, Alert.acknowledged_at.is_(None),
        or_(Alert.resolved_at.is_(None), Alert.severity == CRITICAL))
        .order_by((Alert.severity == CRITICAL).desc(), Alert.at.desc(), Alert.id.desc()))
    return list(db.scalars(query.limit(limit)))


def history(*, db: Session, site: str, before: int | None = None, severity: str | None = None,
            limit: int = 50) -> list[Alert]:
    """The site's alarms newest first, ``limit`` at a time below id ``before`` (keyset)."""
    query = select(Alert).where(Alert.site == site).order_by(Alert.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Alert.id < before)
    if severity in SEVERITIES:
        query = query.where(Alert.severity == severity)
    return list(db.scalars(query))


def get_alert(*, db: Session, site: str, alert_id: int) -> Alert:
    """One alert of ``site``; NotFound otherwise."""
    alert = db.get(Alert, alert_id)
    if alert is None or alert.site != site:
        raise NotFound("unknown_alert", "no such alarm", "アラームがありません")
    return alert


def acknowledge(*, db: Session, site: str, alert_id: int, by: str) -> tuple[Alert, bool]:
    """A person took the alarm: stops its escalation. Returns the alarm and whether this
    call was the one that acknowledged it (two people pressing at once: the first wins)."""
    alert = get_alert(db=db, site=site, alert_id=alert_id)
    now = utcnow()
    done = changed(db.execute(update(Alert).where(
        Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=by[:254])))
    db.refresh(alert)
    return alert, bool(done)


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
    known = KINDS.get(kind)
    return (known.en, known.ja) if known is not None else (kind, kind)
