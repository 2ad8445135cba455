"""The access log for investigation: access decisions, exit presses, door alarms and staff
door actions in one list, searched by visitor, host, device, zone, decision and time,
newest first, paged by keyset (a cursor of the last row's time and key), so page 1,000 costs
what page 1 does."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from officegate.protocol.decision import Reason
from officegate.server.access.labels import reason_label
from officegate.server.access.models import AccessEventRecord as Ev
from officegate.server.alerts import service as alerts
from officegate.server.alerts.models import Alert
from officegate.server.auth.models import Role, User
from officegate.server.console.forms import FieldError
from officegate.server.devices.models import Device
from officegate.server.sites.models import Zone
from officegate.server.visits.models import Visit, Visitor

# What the "decision" filter offers besides the pass decision reasons.
ACCEPTED, DENIED, EXIT, ALARM, STAFF = "accepted", "denied", "exit", "alarm", "staff"
DECISIONS = (ACCEPTED, DENIED, EXIT, ALARM, STAFF)
STAFF_KINDS = ("remote_unlock", "mode_change", "lockdown", "emergency_unlock")
REASONS = tuple(r.value for r in Reason)


@dataclass(frozen=True, slots=True)
class LogQuery:
    """A checked search of the log; ``start``/``end`` are aware UTC moments."""

    visitor: str | None = None
    host: str | None = None
    device: str | None = None
    zone: str | None = None
    decision: str | None = None
    visit_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of the log."""

    key: str
    at: datetime
    source: str  # "access" | "alert"
    kind: str  # access | exit | an alert kind
    code: str  # the decision reason, or the alert kind
    device: str
    zone: str
    visit_id: int | None
    visitor: str | None
    host: str | None
    detail: str
    by_user: str | None
    severity: str | None
    acknowledged: bool

    @property
    def accepted(self) -> bool:
        """An accepted pass or an exit press."""
        return self.source == "access" and self.code == Reason.ACCEPTED.value

    @property
    def label_en(self) -> str:
        """What happened, in English (the message id the pages translate)."""
        if self.source == "alert":
            return alerts.label(self.code)[0]
        if self.kind == EXIT:
            return "Exit button"
        return reason_label(self.code)[0]

    @property
    def cursor(self) -> str:
        """The cursor of the page after this row."""
        return encode_cursor(self.at, self.key)


def encode_cursor(at: datetime, key: str) -> str:
    """An opaque cursor for "rows older than (at, key)"."""
    raw = f"{at.astimezone(UTC).isoformat()}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, str]:
    """The (at, key) of a cursor; InvalidInput (field ``after``) when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        at_text, key = raw.split("|", 1)
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not key or len(key) > 80:
            raise ValueError(raw)
        return at, key
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise FieldError("after", "bad_cursor", "Unreadable cursor: start the search again.",
                         "ページ位置が読み取れません。検索し直してください。") from None


def _older(at_col: Any, key_col: Any, after: tuple[datetime, str]) -> Any:
    at, key = after
    # "at <= cursor" first: a range the time index serves (an OR alone makes SQLite scan).
    return and_(at_col <= at, or_(at_col < at, key_col < key))


def _access_branch(q: LogQuery, viewer: User) -> Select[Any]:
    key = Ev.id
    query = (select(Ev.at.label("at"), key.label("key"), literal("access").label("source"),
                    Ev.kind.label("kind"), Ev.reason.label("code"), Ev.device.label("device"),
                    Zone.name.label("zone"), Ev.visit_id.label("visit_id"),
                    Visitor.name.label("visitor"),
                    func.coalesce(func.nullif(User.name, ""), User.email).label("host"),
                    Ev.detail.label("detail"), cast(null(), String).label("by_user"),
                    cast(null(), String).label("severity"),
                    cast(null(), String).label("acknowledged_by"))
             .outerjoin(Visit, Visit.id == Ev.visit_id)
             .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
             .outerjoin(User, User.id == Visit.host_id)
             .outerjoin(Device, Device.name == Ev.device)
             .outerjoin(Zone, Zone.id == Device.zone_id))
    if viewer.role == Role.HOST:
        query = query.where(Visit.host_id == viewer.id)
    if q.visitor:
        query = query.where(func.lower(Visitor.name).contains(q.visitor.lower(), autoescape=True))
    if q.host:
        needle = q.host.lower()
        query = query.where(or_(func.lower(User.name).contains(needle, autoescape=True),
                                func.lower(User.email).contains(needle, autoescape=True)))
    if q.visit_id is not None:
        query = query.where(Ev.visit_id == q.visit_id)
    if q.decision == ACCEPTED:
        query = query.where(Ev.kind == "access", Ev.reason == Reason.ACCEPTED.value)
    elif q.decision == DENIED:
        query = query.where(Ev.kind == "access", Ev.reason != Reason.ACCEPTED.value)
    elif q.decision == EXIT:
        query = query.where(Ev.kind == EXIT)
    elif q.decision in REASONS:
        query = query.where(Ev.kind == "access", Ev.reason == q.decision)
    return _common(query, q, Ev.at, key, Ev.device)


def _alert_branch(q: LogQuery, site: str) -> Select[Any]:
    key = literal("~") + cast(Alert.id, String)  # never equal to an access event's key
    query = (select(Alert.at.label("at"), key.label("key"), literal("alert").label("source"),
                    Alert.kind.label("kind"), Alert.kind.label("code"),
                    func.coalesce(Alert.device, "").label("device"), Zone.name.label("zone"),
                    cast(null(), Alert.id.type).label("visit_id"),
                    cast(null(), String).label("visitor"), cast(null(), String).label("host"),
                    Alert.detail.label("detail"), Alert.by_user.label("by_user"),
                    Alert.severity.label("severity"),
                    Alert.acknowledged_by.label("acknowledged_by"))
             .outerjoin(Device, Device.name == Alert.device)
             .outerjoin(Zone, Zone.id == Device.zone_id)
             .where(Alert.site == site))
    if q.decision == ALARM:
        query = query.where(Alert.severity != alerts.INFO)
    elif q.decision == STAFF:
        query = query.where(Alert.kind.in_(STAFF_KINDS))
    return _common(query, q, Alert.at, key, Alert.device)


def _common(query: Any, q: LogQuery, at: Any, key: Any, device: Any) -> Select[Any]:
    if q.device:
        query = query.where(device == q.device)
    if q.zone:
        query = query.where(Zone.name == q.zone)
    if q.start is not None:
        query = query.where(at >= q.start)
    if q.end is not None:
        query = query.where(at < q.end)
    if q.after is not None:
        query = query.where(_older(at, key, q.after))
    return query.order_by(at.desc(), key.desc()).limit(q.limit)


def search(*, db: Session, viewer: User, site: str, q: LogQuery) -> list[LogRow]:
    """One page of the log, newest first: at most ``q.limit`` rows older than ``q.after``.

    Hosts see only their own visitors' access events (no alarms); a visitor or host search
    finds access events only (alarms belong to no visit)."""
    branches: list[Select[Any]] = []
    if q.decision in (None, ACCEPTED, DENIED, EXIT, *REASONS):
        branches.append(_access_branch(q, viewer))
    if (q.decision in (None, ALARM, STAFF) and not q.visitor and not q.host
            and q.visit_id is None and viewer.role != Role.HOST):
        branches.append(_alert_branch(q, site))
    if not branches:
        return []
    parts = [select(b.subquery()) for b in branches]
    merged = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    rows = db.execute(select(merged).order_by(merged.c.at.desc(), merged.c.key.desc())
                      .limit(q.limit))
    out = []
    for r in rows:
        at = r.at if isinstance(r.at, datetime) else datetime.fromisoformat(str(r.at))
        out.append(LogRow(
            key=r.key, at=at if at.tzinfo else at.replace(tzinfo=UTC), source=r.source,
            kind=r.kind, code=r.code, device=r.device or "", zone=r.zone or "",
            visit_id=r.visit_id, visitor=r.visitor, host=r.host, detail=r.detail or "",
            by_user=r.by_user, severity=r.severity, acknowledged=r.acknowledged_by is not None))
    return out
