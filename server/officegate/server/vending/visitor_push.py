"""Web Push to the visitor: the pass page subscribes (no account: the link plus the phone it
is bound to), and a drink offer is pushed to that visit's subscriptions.

Sending reuses the host notifier (officegate.server.notify.sender) and its VAPID key; this
module only stores visitor subscriptions and turns ``drink_offered`` into an ``Outgoing``.
Quiet hours need no check here: no ``drink_offered`` event is published in quiet hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from officegate.server.db import Base, UTCDateTime, session_scope, utcnow
from officegate.server.deps import SessionDep, StateDep
from officegate.server.errors import InvalidInput
from officegate.server.i18n import catalog
from officegate.server.journey import JourneyEvent
from officegate.server.notify.sender import Notifier, Outgoing
from officegate.server.notify.service import check_subscription
from officegate.server.outbound import OutboundPolicy
from officegate.server.vending import texts
from officegate.server.vending.visitor import usable_pass
from officegate.server.visits.holder import HolderOnly, refused
from officegate.server.visits.models import VisitorPass
from officegate.server.visits.pass_page import find_pass

MAX_PER_VISIT = 5
LOOPBACK = ("127.0.0.1", "localhost", "::1")
OFFER_BODY = ("Free drinks are waiting at the machines on your way. Open your pass to choose.",
              "お進みの先の自動販売機で、無料のお飲み物をお選びいただけます。パスを開いてお選びください。")


class VisitorPushSubscription(Base):
    """A browser PushSubscription (normalised JSON) of the phone showing one visit's pass."""

    __tablename__ = "visitor_push_subscriptions"
    __table_args__ = (UniqueConstraint("visit_id", "address_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(Text)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The pass link path the notification opens. The link alone is of no use to anyone
    # else: the pass is bound to this phone (see visits.pass_page.open_pass).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


DeviceId = Field(default=None, min_length=8, max_length=128,
                 description="Optional: the phone's id as given to /open; the phone is named "
                 "by X-Pass-Device or the og_device cookie like every pass-page call")


class SubscriptionIn(BaseModel):
    """The browser's PushSubscription JSON (from the phone holding the pass)."""

    model_config = ConfigDict(extra="forbid")
    device_id: str | None = DeviceId
    subscription: dict[str, Any]


class UnsubscribeIn(BaseModel):
    """The subscription endpoint to withdraw (from the phone holding the pass)."""

    model_config = ConfigDict(extra="forbid")
    device_id: str | None = DeviceId
    endpoint: str = Field(max_length=2000)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_phone(row: VisitorPass, device_id: str | None) -> None:
    """A device id in the body, when sent, names the holding phone too (the route's
    dependency has already checked the phone the request comes from)."""
    if device_id is not None and row.bound_device_hash != _hash(device_id):
        raise refused()


def check_visitor_subscription(sub: dict[str, Any], *,
                               outbound: OutboundPolicy | None = None) -> str:
    """Stored JSON of a PushSubscription: https, or http only to this machine (a local push
    service in tests); never inside the network unless ``outbound`` allows it; InvalidInput
    otherwise."""
    address = check_subscription(sub, outbound=outbound)
    endpoint = urlsplit(json.loads(address)["endpoint"])
    if endpoint.scheme != "https" and endpoint.hostname not in LOOPBACK:
        raise InvalidInput("bad_subscription", "a push endpoint must use https",
                           "プッシュ購読の送信先は https である必要があります")
    return address


class DrinkOfferPush:
    """Pushes drink offers through the arrival hub's notifier, and drops the visitor
    subscriptions the push service says are gone. Built by the server runtime; its
    ``offered`` reaction is subscribed in ``officegate.server.reactions``."""

    def __init__(self, *, sessions: sessionmaker[Session], notifier: Notifier,
                 default_lang: str = "ja") -> None:
        self._sessions = sessions
        self._default_lang = default_lang
        self._notifier = notifier
        self._previous: Callable[[str], None] | None = notifier.on_gone
        notifier.on_gone = self._gone

    def _gone(self, address: str) -> None:
        if self._previous is not None:
            self._previous(address)
        with session_scope(self._sessions) as db:
            forget(db=db, address=address)

    def offered(self, event: JourneyEvent) -> None:
        """A drink was offered to a visit: push it to the visitor's phone if subscribed, in
        the visitor's language."""
        from officegate.server.messaging.notices import visitor_language

        if event.visit_id is None:
            return
        with session_scope(self._sessions) as db:
            lang = visitor_language(db=db, visit_id=event.visit_id, default=self._default_lang)
            item = offer_push(db=db, visit_id=event.visit_id, lang=lang)
        if item is not None:
            self._notifier.send(item)


router = APIRouter(tags=["pass page"])


@router.post("/api/p/{token}/push-subscription", status_code=201, dependencies=[HolderOnly])
def subscribe(token: str, body: SubscriptionIn, db: SessionDep,
              state: StateDep) -> dict[str, Any]:
    """Turn on notifications about this visit for this phone (the same one twice is one)."""
    row = usable_pass(db=db, token=token)
    _check_phone(row, body.device_id)
    address = check_visitor_subscription(body.subscription,
                                         outbound=state.settings.outbound_policy)
    rows = list(db.scalars(select(VisitorPushSubscription).where(
        VisitorPushSubscription.visit_id == row.visit_id)))
    if not any(r.address_hash == _hash(address) for r in rows):
        if len(rows) >= MAX_PER_VISIT:
            raise InvalidInput("too_many_subscriptions",
                               f"at most {MAX_PER_VISIT} notification subscriptions per visit",
                               f"通知の登録は1回の訪問につき最大{MAX_PER_VISIT}件です")
        db.add(VisitorPushSubscription(visit_id=row.visit_id, address=address,
                                       address_hash=_hash(address)))
    db.commit()
    return {"subscribed": True}


@router.delete("/api/p/{token}/push-subscription", status_code=204,
               response_class=Response, dependencies=[HolderOnly])
def unsubscribe(token: str, body: UnsubscribeIn, db: SessionDep) -> Response:
    """Turn notifications off again (works on an expired pass too: never keep pushing)."""
    row = find_pass(db=db, token=token)
    _check_phone(row, body.device_id)
    for sub in db.scalars(select(VisitorPushSubscription).where(
            VisitorPushSubscription.visit_id == row.visit_id)):
        if json.loads(sub.address)["endpoint"] == body.endpoint:
            db.delete(sub)
    db.commit()
    return Response(status_code=204)


def forget(*, db: Session, address: str) -> int:
    """Delete visitor subscriptions the push service says are gone."""
    rows = list(db.scalars(select(VisitorPushSubscription).where(
        VisitorPushSubscription.address_hash == _hash(address))))
    for row in rows:
        db.delete(row)
    return len(rows)


def offer_push(*, db: Session, visit_id: int, lang: str = "ja") -> Outgoing | None:
    """The drink offer as a push to the visit's subscriptions, in ``lang`` (one language:
    the catalogs'); None when there are none."""
    def _(message: str) -> str:
        return catalog.gettext(lang, message)

    en, ja = texts.OFFER
    # The Japanese and English stay in the payload for older service workers.
    return to_visitor(db=db, visit_id=visit_id, kind="drink_offered",
                      payload={"title": _("Would you like a drink?"),
                               "body": _("Free drinks are waiting at the machines on your "
                                         "way. Open your pass to choose."), "lang": lang,
                               "title_ja": ja, "title_en": en,
                               "body_ja": OFFER_BODY[1], "body_en": OFFER_BODY[0]})


def to_visitor(*, db: Session, visit_id: int, kind: str,
               payload: dict[str, Any]) -> Outgoing | None:
    """A push of ``payload`` (``title`` and ``body`` at least: what the phone shows) to the
    subscriptions of the visit's phone; None when the visitor did not turn them on."""
    subs = list(db.scalars(select(VisitorPushSubscription).where(
        VisitorPushSubscription.visit_id == visit_id).order_by(VisitorPushSubscription.id)))
    if not subs:
        return None
    # No link in the payload: the server keeps only a hash of the pass link, and the
    # phone's service worker knows its own pass page.
    payload = {**payload, "kind": kind, "visit_id": visit_id, "url": "/p/"}
    # notice_id / user_id 0 and no feed: this is no host notice.
    return Outgoing(notice_id=0, user_id=0, kind=kind, title=str(payload["title"]),
                    body=str(payload["body"]), payload=payload,
                    push_subscriptions=tuple(s.address for s in subs), feed=False)
