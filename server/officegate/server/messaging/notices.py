"""After a chat turn commits, the people on either side hear of it when they are not looking.

- The bot hands a visitor to their host, or a visitor writes in a conversation a person
  has taken: the person who must act (the conversation's assignee, else the visit's host)
  gets a notice the one way hosts hear of their visitors (``notify.service``: e-mail through
  the server's SMTP by default, Web Push when subscribed, the live feed), linking the visit
  page. A visitor writing several lines in a row is one notice until the host answers.
- A host's web-chat reply reaches the visitor's phone by Web Push when their pass page is not
  open and they turned notifications on (the drink offer's subscriptions, ``vending``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.i18n import catalog
from officegate.server.messaging.models import (
    Channel,
    Contact,
    Conversation,
    Kind,
    Message,
    Sender,
    Status,
)
from officegate.server.notify import service as notify
from officegate.server.notify.models import Notice
from officegate.server.notify.sender import Outgoing
from officegate.server.vending import visitor_push
from officegate.server.visits.models import Visit, Visitor

CHAT_KINDS = ("chat_handoff", "chat_message")
QUIET = timedelta(minutes=10)  # one notice for a burst of lines the host has not answered


def for_hosts(*, db: Session, messages: list[Message], base_url: str) -> list[Outgoing]:
    """Notices for hand-offs to a host and for visitors' new messages in conversations a
    person has (committed messages, oldest first). Commit, then send."""
    said: dict[int, str] = {}  # conversation -> the visitor's last words in this batch
    handed: set[int] = set()
    for msg in messages:
        if msg.conversation_id is None:
            continue
        if msg.kind == Kind.INCOMING:
            said[msg.conversation_id] = msg.body
        elif msg.sender == Sender.BOT and msg.data.get("handoff"):
            handed.add(msg.conversation_id)
    out: list[Outgoing] = []
    for msg in messages:
        conv = db.get(Conversation, msg.conversation_id) if msg.conversation_id else None
        if conv is None or conv.visit_id is None:
            continue
        if msg.sender == Sender.BOT and msg.data.get("handoff"):
            kind = "chat_handoff"
        elif (msg.kind == Kind.INCOMING and conv.id not in handed
              and conv.status == Status.OPEN and not _notified_lately(db, conv)):
            kind = "chat_message"
        else:
            continue
        visit = db.get(Visit, conv.visit_id)
        if visit is None:
            continue
        data = {"text": said.get(conv.id, msg.body),
                "link": f"{base_url.rstrip('/')}/host/visits/{visit.id}"}
        if conv.queue == "reception" and conv.assignee_id is None:
            # The host is gone: reception staff, every one of them, must act.
            out += notify.notices_for_staff(db=db, key=f"chat:{msg.id}", kind=kind,
                                            visit_id=visit.id, data=data)
            continue
        item = notify.notice_for_visit(
            db=db, key=f"chat:{msg.id}", kind=kind, visit_id=visit.id,
            user_id=conv.assignee_id or visit.host_id, data=data)
        if item is not None:
            out.append(item)
    return out


def _notified_lately(db: Session, conv: Conversation) -> bool:
    """True when a chat notice about this visit went out within ``QUIET`` and no person has
    replied since (the host already knows there is something to answer)."""
    last_reply = db.scalar(select(func.max(Message.created_at)).where(
        Message.conversation_id == conv.id, Message.sender == Sender.USER,
        Message.kind == Kind.OUTGOING))
    since = max(utcnow() - QUIET, last_reply) if last_reply else utcnow() - QUIET
    return db.scalar(select(Notice.id).where(
        Notice.visit_id == conv.visit_id, Notice.kind.in_(CHAT_KINDS),
        Notice.created_at > since).limit(1)) is not None


def for_visitors(*, db: Session, messages: list[Message], page_open: Callable[[int], bool],
                 default_lang: str) -> list[Outgoing]:
    """Web Pushes of people's web-chat replies to visitors whose pass page is not open here
    (``page_open(contact_id)``) and who turned notifications on."""
    out: list[Outgoing] = []
    for msg in messages:
        if (msg.kind != Kind.OUTGOING or msg.sender != Sender.USER
                or msg.channel != Channel.WEB or page_open(msg.contact_id)):
            continue
        contact = db.get(Contact, msg.contact_id)
        if contact is None or contact.visit_id is None:
            continue
        lang = visitor_language(db=db, visit_id=contact.visit_id, default=default_lang)
        author = db.get(User, msg.user_id) if msg.user_id else None

        def _(message: str, lang: str = lang) -> str:
            return catalog.gettext(lang, message)

        title = _("A reply from %(name)s") % {
            "name": author.display_name if author else _("your host")}
        body = msg.body if len(msg.body) <= 300 else msg.body[:299] + "…"
        item = visitor_push.to_visitor(db=db, visit_id=contact.visit_id, kind="chat_reply",
                                       payload={"title": title, "body": body, "lang": lang})
        if item is not None:
            out.append(item)
    return out


def visitor_language(*, db: Session, visit_id: int, default: str) -> str:
    """The language a push to this visit's phone speaks: the one chosen on the pass page,
    else the one of the visitor's last words, else the invitation's, else ``default``."""
    from officegate.server.proactive.service import notice_language

    visit = db.get(Visit, visit_id)
    visitor = db.get(Visitor, visit.visitor_id) if visit is not None else None
    invited = visitor.lang if visitor is not None and visitor.lang in catalog.LANGUAGES else None
    contact = db.scalar(select(Contact).where(Contact.visitor_id == visitor.id)
                        ) if visitor is not None else None
    if contact is None:
        return invited or default
    if invited == "zh_CN" and contact.pass_lang is None:
        return invited  # notices are written in Japanese or English; pushes need not be
    return notice_language(db=db, contact=contact, default=invited or default)
