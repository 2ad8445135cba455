"""Conversations and the timeline: receive, bot turn and hand-off, reply, assign, resolve.

Plain keyword-only functions on a session; delivery to external channels and live updates
happen after commit (see ``runtime``), so nothing is sent that the database could lose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from officegate.server.auth.models import Role, User
from officegate.server.db import utcnow
from officegate.server.errors import Forbidden, InvalidInput, NotFound
from officegate.server.faq.matcher import FaqMatcher
from officegate.server.messaging import surveys, texts
from officegate.server.messaging.models import (
    Contact,
    Conversation,
    Kind,
    Message,
    Sender,
    Status,
)
from officegate.server.visits.models import Visit

MAX_TEXT = 4000


@dataclass
class Turn:
    """What one incoming message produced: the stored message and any replies to send."""

    message: Message | None
    conversation: Conversation | None
    replies: list[Message] = field(default_factory=list)
    duplicate: bool = False


def current_conversation(*, db: Session, contact: Contact, channel: str,
                         preferred: Conversation | None = None) -> Conversation:
    """The contact's unresolved conversation (``preferred`` if it is one, e.g. the thread an
    e-mail answers), or a new one the bot handles (pending)."""
    conv = preferred if (preferred is not None and preferred.contact_id == contact.id
                         and preferred.status != Status.RESOLVED) else None
    conv = conv or db.scalar(select(Conversation).where(
        Conversation.contact_id == contact.id, Conversation.status != Status.RESOLVED)
        .order_by(Conversation.id.desc()).limit(1))
    if conv is None:
        conv = Conversation(contact_id=contact.id, site=contact.site, visit_id=contact.visit_id,
                            channel=channel, status=Status.PENDING)
        db.add(conv)
        db.flush()
    elif conv.status == Status.SNOOZED:
        conv.status, conv.snoozed_until = Status.OPEN, None  # the visitor wrote: wake up
    conv.channel = channel  # answer where the visitor last wrote
    return conv


def _add(db: Session, **values: Any) -> Message:
    msg = Message(**values)
    db.add(msg)
    db.flush()
    return msg


def receive(*, db: Session, contact: Contact, channel: str, text: str, matcher: FaqMatcher,
            dedup_key: str | None = None, data: dict[str, Any] | None = None,
            conversation: Conversation | None = None, linked: bool = False) -> Turn:
    """Store an incoming message; while the bot has the conversation, answer or hand off.

    ``linked``: the message was a link code that just joined this chat to the visitor's
    timeline; it is confirmed, not put to the FAQ bot.

    ``conversation`` is the thread the message answers, when the channel says (an e-mail's
    reply address); it is used while it is unresolved.
    """
    text = text.strip()[:MAX_TEXT]
    if not text:
        raise InvalidInput("empty_message", "the message is empty", "メッセージが空です")
    if dedup_key and db.scalar(select(Message.id).where(Message.dedup_key == dedup_key)):
        return Turn(None, None, duplicate=True)
    rated = surveys.parse_rating(text)
    survey = surveys.pending_survey(db=db, contact=contact) if rated else None
    # A survey answer belongs to the thread the survey went out in; it opens no new one.
    conv = (db.get(Conversation, survey.conversation_id) if survey and survey.conversation_id
            else None) or current_conversation(db=db, contact=contact, channel=channel,
                                               preferred=conversation)
    # A delivery racing in on another thread trips the unique dedup_key at commit instead.
    msg = _add(db, contact_id=contact.id, conversation_id=conv.id, kind=Kind.INCOMING,
               sender=Sender.CONTACT, channel=channel, body=text, data=data or {},
               dedup_key=dedup_key)
    conv.last_activity_at = msg.created_at
    turn = Turn(msg, conv)
    if rated and survey is not None:
        surveys.record(db=db, contact=contact, visit_id=survey.data.get("visit_id"),
                       rating=rated[0], comment=rated[1])
        lang = texts.language(text, contact.lang) if rated[1] else contact.lang
        turn.replies = [_bot(db, conv, texts.say("csat_thanks", lang), {"csat": rated[0]})]
    elif linked:
        turn.replies = [_bot(db, conv, texts.say("linked", contact.lang), {"linked": True})]
    elif conv.status == Status.PENDING:
        turn.replies = bot_turn(db=db, conv=conv, contact=contact, text=text, matcher=matcher)
    return turn


def bot_turn(*, db: Session, conv: Conversation, contact: Contact, text: str,
             matcher: FaqMatcher) -> list[Message]:
    """The FAQ bot's answer, or a hand-off to the host or reception that says so."""
    lang = texts.language(text, contact.lang)
    contact.lang = lang
    if texts.wants_opt_out(text):
        contact.opted_out_at = contact.opted_out_at or utcnow()
        return [_bot(db, conv, texts.say("opted_out", lang), {"opt_out": True})]
    # The link code a visitor sends from LINE or WhatsApp to join their chat is no question.
    code = contact.link_code
    match = matcher.match(text.upper().replace(code, " ") if code and code in text.upper()
                          else text)
    if match.confident and match.topic:
        item = matcher.items[match.topic]
        answer = item.answer_ja if lang == "ja" else item.answer_en
        return [_bot(db, conv, answer, {"faq": match.topic, "confidence": match.confidence})]
    reason = "asked_for_person" if match.wants_person else "not_sure"
    return [hand_off(db=db, conv=conv, contact=contact, lang=lang, reason=reason,
                     confidence=match.confidence)]


def _bot(db: Session, conv: Conversation, body: str, data: dict[str, Any]) -> Message:
    return _add(db, contact_id=conv.contact_id, conversation_id=conv.id, kind=Kind.OUTGOING,
                sender=Sender.BOT, channel=conv.channel, body=body, data=data)


def hand_off(*, db: Session, conv: Conversation, contact: Contact, lang: str, reason: str,
             confidence: float = 0.0) -> Message:
    """Give the conversation to the visit's host (else the reception queue) and tell the visitor."""
    visit = db.get(Visit, conv.visit_id) if conv.visit_id else None
    host = db.get(User, visit.host_id) if visit else None
    conv.status = Status.OPEN
    conv.handed_off_at = conv.handed_off_at or utcnow()
    if host is not None and host.active:
        conv.queue, conv.assignee_id = "host", host.id
        body = texts.say("handoff_host", lang, host=host.display_name)
    else:
        conv.queue, conv.assignee_id = "reception", None
        body = texts.say("handoff_reception", lang)
    return _bot(db, conv, body, {"handoff": reason, "confidence": confidence,
                                 "queue": conv.queue})


def can_see(*, db: Session, user: User, conv: Conversation) -> bool:
    """Staff and admins see every conversation; a host, those of their visitors or given to them."""
    if user.role in (Role.ADMIN, Role.STAFF):
        return True
    if conv.assignee_id == user.id:
        return True
    visit = db.get(Visit, conv.visit_id) if conv.visit_id else None
    return visit is not None and visit.host_id == user.id


def get_conversation(*, db: Session, user: User, conversation_id: int) -> Conversation:
    """A conversation the user may see; NotFound otherwise (no hint that it exists)."""
    conv = db.get(Conversation, conversation_id)
    if conv is None or not can_see(db=db, user=user, conv=conv):
        raise NotFound("no_conversation", "no such conversation", "会話が見つかりません")
    return conv


def reply(*, db: Session, conv: Conversation, user: User, text: str,
          private: bool = False) -> Message:
    """A host's or staff member's reply (or private note); a reply takes over from the bot."""
    text = text.strip()[:MAX_TEXT]
    if not text:
        raise InvalidInput("empty_message", "the message is empty", "メッセージが空です")
    now = utcnow()
    msg = _add(db, contact_id=conv.contact_id, conversation_id=conv.id,
               kind=Kind.NOTE if private else Kind.OUTGOING, sender=Sender.USER,
               user_id=user.id, channel=None if private else conv.channel, body=text, data={})
    if not private:
        conv.first_reply_at = conv.first_reply_at or now
        if conv.status in (Status.PENDING, Status.RESOLVED, Status.SNOOZED):
            conv.status = Status.OPEN
        if conv.assignee_id is None:
            conv.assignee_id = user.id
    conv.last_activity_at = now
    return msg


def assign(*, db: Session, conv: Conversation, user: User, assignee_id: int | None) -> None:
    """Give the conversation to a user (or to nobody: back to the queue)."""
    if assignee_id is not None:
        target = db.get(User, assignee_id)
        if target is None or not target.active:
            raise InvalidInput("unknown_user", "no such user to assign", "そのユーザーはいません")
        if user.role == Role.HOST and target.id != user.id:
            raise Forbidden("host_assign_self", "hosts can take conversations only for "
                            "themselves", "ホストは自分にのみ割り当てできます")
    conv.assignee_id = assignee_id
    if conv.status == Status.PENDING:
        conv.status = Status.OPEN
    system_note(db=db, conv=conv, body=f"assigned to user {assignee_id}" if assignee_id
                else "unassigned", by=user)


def set_status(*, db: Session, conv: Conversation, user: User, status: Status,
               until: datetime | None = None) -> None:
    """Resolve, snooze, reopen, or hand back to the bot (pending)."""
    now = utcnow()
    if status == Status.SNOOZED and (until is None or until <= now):
        raise InvalidInput("snooze_until", "snooze needs a time in the future",
                           "スヌーズには未来の時刻が必要です")
    conv.status = status
    conv.snoozed_until = until if status == Status.SNOOZED else None
    conv.resolved_at = now if status == Status.RESOLVED else None
    if status == Status.PENDING:
        conv.assignee_id = None
    system_note(db=db, conv=conv, body=f"status {status.value}", by=user)


def system_note(*, db: Session, conv: Conversation, body: str, by: User | None) -> Message:
    """A system activity line on the timeline (who changed what)."""
    who = by.display_name if by else "system"
    return _add(db, contact_id=conv.contact_id, conversation_id=conv.id, kind=Kind.ACTIVITY,
                sender=Sender.SYSTEM, user_id=by.id if by else None, body=f"{who}: {body}",
                event_kind="conversation", data={})


def timeline(*, db: Session, contact: Contact, staff: bool, limit: int = 500) -> list[Message]:
    """Every entry of the contact's timeline, oldest first; notes, conversation changes and
    where a chat was opened (staff's context) only for staff."""
    query = select(Message).where(Message.contact_id == contact.id)
    if not staff:
        query = query.where(Message.kind != Kind.NOTE, or_(
            Message.kind != Kind.ACTIVITY,
            Message.event_kind.not_in(("conversation", "chat_entered"))))
    rows = list(db.scalars(query.order_by(Message.created_at.desc(), Message.id.desc())
                           .limit(limit)))
    return rows[::-1]


def list_conversations(*, db: Session, user: User, status: str | None = None,
                       assignee: str | None = None, channel: str | None = None,
                       queue: str | None = None, limit: int = 200) -> list[Conversation]:
    """Conversations the user may see, newest activity first, with the inbox filters."""
    query = select(Conversation)
    if status:
        query = query.where(Conversation.status == status)
    if channel:
        query = query.where(Conversation.channel == channel)
    if queue:
        query = query.where(Conversation.queue == queue)
    if assignee == "me":
        query = query.where(Conversation.assignee_id == user.id)
    elif assignee == "none":
        query = query.where(Conversation.assignee_id.is_(None))
    if user.role == Role.HOST:
        mine = select(Visit.id).where(Visit.host_id == user.id)
        query = query.where(or_(Conversation.assignee_id == user.id,
                                Conversation.visit_id.in_(mine)))
    rows = db.scalars(query.order_by(Conversation.last_activity_at.desc()).limit(limit))
    return list(rows)


def wake_snoozed(*, db: Session, now: datetime) -> int:
    """Reopen snoozed conversations whose time has come; how many woke."""
    due = list(db.scalars(select(Conversation).where(
        Conversation.status == Status.SNOOZED, Conversation.snoozed_until <= now)))
    for conv in due:
        conv.status, conv.snoozed_until = Status.OPEN, None
        system_note(db=db, conv=conv, body="snooze over", by=None)
    return len(due)
