"""Host notification targets, notices, acknowledgements and the fallback contact."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput, NotFound
from officegate.server.notify.messages import Text, compose, escalation
from officegate.server.notify.models import Notice, NotifyPrefs, NotifyTarget
from officegate.server.notify.sender import Outgoing
from officegate.server.outbound import (
    APPRISE_HOST_SCHEMES,
    APPRISE_SCHEMES,
    HTTP_SCHEMES,
    OutboundPolicy,
)
from officegate.server.visits.models import Visit, Visitor

MAX_TARGETS = 20


def check_apprise_url(url: str, *, outbound: OutboundPolicy | None = None) -> str:
    """``url`` when apprise understands it and it does not point inside the network
    (``outbound`` allows inside addresses; default: none); InvalidInput otherwise."""
    import apprise

    url = url.strip()
    if len(url) > 2000 or "://" not in url or not apprise.Apprise().add(url):
        raise InvalidInput("bad_apprise_url", "not a notification URL apprise understands "
                           "(e.g. mailto://, slack://, ntfy://, json://)",
                           "通知先 URL の形式が正しくありません")
    outbound = outbound or OutboundPolicy()
    scheme = url.split("://", 1)[0].lower()
    outbound.check_url(url, schemes=APPRISE_SCHEMES, check_host=scheme in APPRISE_HOST_SCHEMES,
                       what="notification URL")
    smtp = parse_qs(urlsplit(url).query).get("smtp")
    if scheme.startswith("mailto") and smtp:  # the mail server the message goes through
        outbound.check_url(f"smtp://{smtp[0]}", schemes=frozenset({"smtp"}),
                           what="notification URL")
    return url


def check_subscription(sub: dict[str, Any], *, outbound: OutboundPolicy | None = None) -> str:
    """A browser PushSubscription as stored JSON; InvalidInput when it is not one or its
    endpoint points inside the network (``outbound`` allows inside addresses)."""
    endpoint = sub.get("endpoint")
    keys = sub.get("keys")
    if (not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("https", "http")
            or len(endpoint) > 2000 or not isinstance(keys, dict)
            or not isinstance(keys.get("p256dh"), str) or not isinstance(keys.get("auth"), str)):
        raise InvalidInput("bad_subscription", "a push subscription needs endpoint and keys "
                           "p256dh and auth", "プッシュ購読の形式が正しくありません")
    (outbound or OutboundPolicy()).check_url(endpoint, schemes=HTTP_SCHEMES,
                                             what="push endpoint")
    return json.dumps({"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"],
                                                      "auth": keys["auth"]}})


def add_target(*, db: Session, user: User, kind: str, address: str) -> NotifyTarget:
    """Add an apprise URL or push subscription (already checked); the same one twice is one."""
    rows = list(db.scalars(select(NotifyTarget).where(NotifyTarget.user_id == user.id)))
    for row in rows:
        if row.kind == kind and row.address == address:
            return row
    if len(rows) >= MAX_TARGETS:
        raise InvalidInput("too_many_targets", f"at most {MAX_TARGETS} notification targets",
                           f"通知先は最大{MAX_TARGETS}件です")
    row = NotifyTarget(user_id=user.id, kind=kind, address=address)
    db.add(row)
    db.flush()
    return row


def list_targets(*, db: Session, user_id: int) -> list[NotifyTarget]:
    """A user's targets, oldest first."""
    return list(db.scalars(select(NotifyTarget).where(NotifyTarget.user_id == user_id)
                           .order_by(NotifyTarget.id)))


def remove_target(*, db: Session, user: User, target_id: int) -> None:
    """Delete one of the user's own targets."""
    row = db.get(NotifyTarget, target_id)
    if row is None or row.user_id != user.id:
        raise NotFound("unknown_target", "no such notification target", "通知先がありません")
    db.delete(row)


def forget_subscription(*, db: Session, address: str) -> int:
    """Delete the push target(s) with this subscription (the push service said it is gone)."""
    rows = list(db.scalars(select(NotifyTarget).where(NotifyTarget.kind == "webpush",
                                                       NotifyTarget.address == address)))
    for row in rows:
        db.delete(row)
    return len(rows)


def set_prefs(*, db: Session, user: User, fallback_url: str | None, ack_minutes: int,
              outbound: OutboundPolicy | None = None) -> NotifyPrefs:
    """Set the fallback contact (an apprise URL) and the acknowledgement time."""
    row = db.get(NotifyPrefs, user.id) or NotifyPrefs(user_id=user.id)
    row.fallback_url = (check_apprise_url(fallback_url, outbound=outbound) if fallback_url
                        else None)
    row.ack_minutes = ack_minutes
    db.add(row)
    db.flush()
    return row


def payload(notice: Notice) -> dict[str, Any]:
    """What the host page, the push message and the feed show."""
    return {"id": notice.id, "kind": notice.kind, "visit_id": notice.visit_id,
            "title_en": notice.title_en, "title_ja": notice.title_ja,
            "body_en": notice.body_en, "body_ja": notice.body_ja,
            "at": notice.created_at.isoformat(),
            "acknowledged": notice.acknowledged_at is not None,
            # Tapping the push opens the visit page (host-sw.js), where the host acts.
            "url": f"/host/visits/{notice.visit_id}" if notice.visit_id else "/host"}


def _default_email(db: Session, notice: Notice, text: Text,
                   targets: list[NotifyTarget]) -> tuple[str, str, str] | None:
    """The notice by e-mail to the user's own address, in their language, unless they chose
    their own apprise targets (a new host has none: e-mail with no set-up)."""
    user = db.get(User, notice.user_id)
    if user is None or not user.active or any(t.kind == "apprise" for t in targets):
        return None
    if user.lang == "en":
        return user.email, f"OfficeGate: {text.title_en}", text.body_en
    return user.email, f"OfficeGate: {text.title_ja}", text.body_ja


def _outgoing(db: Session, notice: Notice, text: Text, *, urls: tuple[str, ...] | None = None,
              feed: bool = True) -> Outgoing:
    targets = list_targets(db=db, user_id=notice.user_id)
    return Outgoing(
        email=_default_email(db, notice, text, targets) if urls is None else None,
        notice_id=notice.id, user_id=notice.user_id, kind=notice.kind,
        title=f"{text.title_ja} / {text.title_en}",
        body=f"{text.body_ja}\n{text.body_en}", payload=payload(notice),
        apprise_urls=urls if urls is not None else tuple(
            t.address for t in targets if t.kind == "apprise"),
        push_subscriptions=() if urls is not None else tuple(
            t.address for t in targets if t.kind == "webpush"),
        feed=feed)


def notice_for_visit(*, db: Session, key: str, kind: str, visit_id: int,
                     data: dict[str, Any], at: datetime | None = None,
                     user_id: int | None = None) -> Outgoing | None:
    """Store the notice to the visit's host (or to ``user_id``, who must act) for a journey
    step or a chat (made ``at``, default now); None when ``key`` was already notified (a
    duplicate event). Commit before sending the returned Outgoing."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        return None
    visitor = db.get(Visitor, visit.visitor_id)
    text = compose(kind, visitor=visitor.name if visitor else "?", data=data)
    if db.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return None
    notice = Notice(key=key[:160], visit_id=visit.id, user_id=user_id or visit.host_id,
                    kind=kind, title_en=text.title_en, title_ja=text.title_ja, body_en=text.body_en,
                    body_ja=text.body_ja, created_at=at or utcnow())
    try:
        with db.begin_nested():
            db.add(notice)
    except IntegrityError:  # the same event, stored by another thread a moment ago
        return None
    return _outgoing(db, notice, text)


def notices_for_staff(*, db: Session, key: str, kind: str, visit_id: int,
                      data: dict[str, Any]) -> list[Outgoing]:
    """A deny-list hold is staff's to decide: every active staff member and admin is told
    (one notice each; a duplicate event tells nobody twice). Commit, then send."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        return []
    visitor = db.get(Visitor, visit.visitor_id)
    text = compose(kind, visitor=visitor.name if visitor else "?", data=data)
    out: list[Outgoing] = []
    staff = db.scalars(select(User).where(User.role.in_(("admin", "staff")),
                                          User.active.is_(True)))
    for member in staff:
        member_key = f"{key}:u{member.id}"[:160]
        if member.id == visit.host_id or db.scalar(
                select(Notice.id).where(Notice.key == member_key)) is not None:
            continue
        notice = Notice(key=member_key, visit_id=visit.id, user_id=member.id, kind=kind,
                        title_en=text.title_en, title_ja=text.title_ja, body_en=text.body_en,
                        body_ja=text.body_ja, created_at=utcnow())
        try:
            with db.begin_nested():
                db.add(notice)
        except IntegrityError:
            continue
        out.append(_outgoing(db, notice, text))
    return out


def acknowledge(*, db: Session, user: User, notice_id: int) -> Notice:
    """The host saw it: no fallback contact will be bothered."""
    notice = db.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound("unknown_notice", "no such notice", "通知がありません")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = utcnow()
    return notice


def recent(*, db: Session, user_id: int, limit: int = 50) -> list[Notice]:
    """A user's newest notices."""
    return list(db.scalars(select(Notice).where(Notice.user_id == user_id)
                           .order_by(Notice.id.desc()).limit(limit)))


def after(*, db: Session, user_id: int, notice_id: int, limit: int = 100) -> list[Notice]:
    """A user's notices newer than ``notice_id``, oldest first (what a live feed missed)."""
    return list(db.scalars(select(Notice).where(Notice.user_id == user_id,
                                                Notice.id > notice_id)
                           .order_by(Notice.id).limit(limit)))


def due_escalations(*, db: Session, now: datetime) -> list[Outgoing]:
    """Notices not acknowledged within the host's time, for their fallback contact; marks
    them escalated (commit, then send)."""
    out: list[Outgoing] = []
    rows = db.execute(
        select(Notice, NotifyPrefs, User)
        .join(NotifyPrefs, NotifyPrefs.user_id == Notice.user_id)
        .join(User, User.id == Notice.user_id)
        .where(Notice.acknowledged_at.is_(None), Notice.escalated_at.is_(None),
               NotifyPrefs.fallback_url.is_not(None)))
    for notice, prefs, host in rows:
        if notice.created_at + timedelta(minutes=prefs.ack_minutes) > now:
            continue
        notice.escalated_at = now
        text = escalation(Text(notice.title_en, notice.title_ja, notice.body_en,
                               notice.body_ja), host=host.display_name)
        assert prefs.fallback_url is not None
        out.append(_outgoing(db, notice, text, urls=(prefs.fallback_url,), feed=False))
    return out
