"""What a WeCom customer-service callback does: read the new messages with ``kf/sync_msg``
from the stored cursor, and put each on the customer's timeline.

- a customer's message (``origin`` 3): text as it is, other kinds as ``(image)`` and so on,
  answered by the FAQ bot like every channel (the answer goes back through ``kf/send_msg``);
- ``enter_session`` (the customer opened the chat, from a QR or link with a ``scene_param``):
  the contact gets the customer's nickname and avatar (``kf/customer/batchget``), the entry
  point is on the timeline, and the ``welcome_code`` is used for a greeting;
- other events (recalls, send failures, state changes) are logged by type only.

Each ``msgid`` is stored once (a redelivered or re-read message changes nothing), and the
cursor moves in the same transaction as the messages it covers. One sync per account runs
at a time in a process; across servers the msgid receipts keep it exactly once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from officegate.server.channels import inbound
from officegate.server.channels.wecom import MAX_PAGES, KfCallback, KfItem
from officegate.server.db import utcnow
from officegate.server.messaging import contacts
from officegate.server.messaging.models import Channel, ChannelCursor, Kind, Message, Sender
from officegate.server.messaging.runtime import Messaging

log = logging.getLogger(__name__)
CUSTOMER = 3  # origin of a message the WeChat user wrote
WELCOME = ("お問い合わせありがとうございます。ご用件をどうぞ。\n"
           "Thank you for contacting us: how can we help?\n"
           "感谢您的咨询，请问有什么可以帮您？")
KIND_LABEL = {"image": "画像 / image", "voice": "音声 / voice", "video": "動画 / video",
              "file": "ファイル / file", "location": "位置情報 / location",
              "link": "リンク / link", "business_card": "名刺 / contact card",
              "miniprogram": "ミニプログラム / mini program"}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class SyncOutcome:
    """What one callback's sync read and stored."""

    pages: int = 0
    items: int = 0
    stored: int = 0


def _lock(account: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(account, threading.Lock())


def sync(rt: Messaging, callback: KfCallback) -> SyncOutcome:
    """Read everything new for ``callback.open_kfid`` and store it (blocking; in a thread)."""
    client = rt.wecom
    if client is None:
        raise LookupError("WeCom is not configured")
    out = SyncOutcome()
    with _lock(callback.open_kfid):
        cursor = rt.run(lambda db: _cursor(db, callback.open_kfid).cursor)
        for _ in range(MAX_PAGES):
            items, cursor, more = client.sync(token=callback.token, cursor=cursor,
                                              open_kfid=callback.open_kfid)
            profiles = {i.external_userid: client.customer(i.external_userid) for i in items
                        if i.msgtype == "event" and i.event.get("event_type") == "enter_session"
                        and i.external_userid}

            def work(db: Session, items: list[KfItem] = items, cursor: str = cursor,
                     profiles: dict[str, dict[str, str]] = profiles) -> int:
                stored = sum(_item(db, rt, item, profiles) for item in items)
                row = _cursor(db, callback.open_kfid)
                row.cursor, row.updated_at = cursor, utcnow()
                return stored

            out.pages += 1
            out.items += len(items)
            out.stored += rt.run(work)
            if not more:
                break
    return out


def _cursor(db: Session, account: str) -> ChannelCursor:
    row = db.get(ChannelCursor, (Channel.WECOM.value, account))
    if row is None:
        row = ChannelCursor(channel=Channel.WECOM.value, account=account, cursor="")
        db.add(row)
        db.flush()
    return row


def _item(db: Session, rt: Messaging, item: KfItem, profiles: dict[str, dict[str, str]]) -> int:
    if not item.msgid or not item.external_userid:
        return 0
    if item.msgtype == "event":
        kind = str(item.event.get("event_type", ""))[:40]
        if kind == "enter_session":
            return _entered(db, rt, item, profiles.get(item.external_userid, {}))
        log.info("WeCom event %s ignored", kind)
        return 0
    if item.origin != CUSTOMER:
        return 0  # our own answers and what servicers typed in the WeCom app
    text = item.text if item.msgtype == "text" and item.text else \
        f"({KIND_LABEL.get(item.msgtype, item.msgtype or 'message')})"
    return int(inbound.receive_text(db, rt, channel=Channel.WECOM,
                                    address=item.external_userid, text=text,
                                    event_id=item.msgid,
                                    data={"open_kfid": item.open_kfid,
                                          "wecom_msgtype": item.msgtype}))


def _entered(db: Session, rt: Messaging, item: KfItem, profile: dict[str, str]) -> int:
    """The customer opened the chat: who they are, where they came from, a greeting."""
    if not inbound.first_time(db, Channel.WECOM, item.msgid):
        return 0
    contact = contacts.find_by_identity(db=db, channel=Channel.WECOM,
                                        address=item.external_userid)
    if contact is None:
        contact = contacts.new_contact(db=db, site=rt.site, name=profile.get("nickname", ""),
                                       lang="en")  # the bot speaks ja or en
        contacts.add_identity(db=db, contact=contact, channel=Channel.WECOM,
                              address=item.external_userid)
    if profile.get("nickname") and not contact.name:
        contact.name = profile["nickname"]
    if profile.get("avatar"):
        contact.avatar_url = profile["avatar"]
    scene = str(item.event.get("scene_param") or item.event.get("scene") or "")[:120]
    db.add(Message(contact_id=contact.id, kind=Kind.ACTIVITY, sender=Sender.SYSTEM,
                   channel=Channel.WECOM, event_kind="chat_entered",
                   body=f"WeChat: チャット開始 / chat opened ({scene or 'no scene'})",
                   data={"scene": str(item.event.get("scene") or "")[:60],
                         "scene_param": scene, "open_kfid": item.open_kfid},
                   dedup_key=f"wecom:{item.msgid}"[:200]))
    code = str(item.event.get("welcome_code") or "")
    if code and rt.wecom is not None:
        try:
            rt.wecom.send_welcome(code=code, text=WELCOME)
        except Exception as exc:  # noqa: BLE001 - a greeting that fails loses nothing
            log.warning("WeCom welcome message not sent: %s", type(exc).__name__)
    return 1
