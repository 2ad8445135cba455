"""What each LINE webhook event does, one handler per event type.

One-to-one chats (``source.type`` user) are a visitor's conversation: messages, edits and
postbacks land on their timeline. Groups and multi-person chats are nobody's private
conversation: what is written there is never put on a member's timeline, and the bot never
hands off into one. When the account is added to one (or first hears from one it was in
before) it says politely, once, that it answers one-to-one only, and leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from officegate.server.channels import inbound
from officegate.server.channels.line import LineEvent
from officegate.server.db import utcnow
from officegate.server.messaging import contacts
from officegate.server.messaging.models import Channel
from officegate.server.messaging.runtime import Messaging

log = logging.getLogger(__name__)

GROUP_REFUSAL = ("このアカウントは1対1のトークでのみお答えします。友だち追加して直接メッセージを"
                 "お送りください。\nThis account answers in one-to-one chats only: add it as "
                 "a friend and message it directly.")


@dataclass
class LineOutcome:
    """What a webhook body did: stored messages, group events set aside, groups to leave."""

    stored: int = 0
    ignored_group_events: int = 0
    groups_to_leave: list[LineEvent] = field(default_factory=list)


def _text(db: Session, rt: Messaging, ev: LineEvent, text: str, **data: object) -> int:
    assert ev.user_id is not None
    return int(inbound.receive_text(db, rt, channel=Channel.LINE, address=ev.user_id,
                                    text=text, event_id=ev.event_id,
                                    data={"reply_token": ev.reply_token,
                                          "line_message_id": ev.message_id, **data}))


def _message(db: Session, rt: Messaging, ev: LineEvent) -> int:
    return _text(db, rt, ev, ev.text or "(スタンプ・画像 / sticker or media)")


def _edited(db: Session, rt: Messaging, ev: LineEvent) -> int:
    # The edit arrives as its own entry naming the message it replaces (edits may arrive
    # out of order; each keeps the platform's message id).
    return _text(db, rt, ev, f"(編集 / edited) {ev.text or ''}".strip(), edited=True)


def _postback(db: Session, rt: Messaging, ev: LineEvent) -> int:
    # A rich-menu or button tap: its data is what the visitor chose (e.g. "wifi").
    return _text(db, rt, ev, ev.postback or "(postback)", postback=ev.postback)


def _follow_change(db: Session, _rt: Messaging, ev: LineEvent) -> int:
    if not inbound.first_time(db, "line", ev.event_id):
        return 0
    assert ev.user_id is not None
    found = contacts.find_by_identity(db=db, channel=Channel.LINE, address=ev.user_id)
    if found is not None and ev.type == "unfollow":
        found.opted_out_at = found.opted_out_at or utcnow()  # blocked us: no more notices
    return 0


HANDLERS: dict[str, Callable[[Session, Messaging, LineEvent], int]] = {
    "message": _message,
    "messageEdited": _edited,
    "postback": _postback,
    "follow": _follow_change,
    "unfollow": _follow_change,
}


def _say_and_leave(db: Session, ev: LineEvent) -> bool:
    """Whether to refuse this group now: each time we are added (a join, once per event),
    and once for a group we were in before this rule (its first message)."""
    assert ev.chat_id is not None
    if ev.type == "join":
        return inbound.first_time(db, "line", ev.event_id)
    return ev.type == "message" and inbound.first_time(db, "line-group", ev.chat_id)


def handle(db: Session, rt: Messaging, events: list[LineEvent]) -> LineOutcome:
    """Apply ``events`` in one transaction; the LINE API calls wait for ``refuse_groups``."""
    outcome = LineOutcome()
    for ev in events:
        if ev.in_group:
            outcome.ignored_group_events += 1
            if ev.chat_id and _say_and_leave(db, ev):
                outcome.groups_to_leave.append(ev)
            continue
        handler = HANDLERS.get(ev.type)
        if handler is not None and ev.user_id is not None:
            outcome.stored += handler(db, rt, ev)
    return outcome


def refuse_groups(rt: Messaging, outcome: LineOutcome) -> None:
    """Say once in each group we were added to that we answer one-to-one only, and leave."""
    if rt.line is None:
        return
    for ev in outcome.groups_to_leave:
        assert ev.chat_id is not None
        try:
            if ev.reply_token:
                rt.line.reply(reply_token=ev.reply_token, text=GROUP_REFUSAL)
            rt.line.leave(source_type=ev.source_type, chat_id=ev.chat_id)
        except Exception as exc:  # LINE being down must not fail the webhook (no retry storm)
            log.warning("could not leave a LINE %s: %s", ev.source_type, type(exc).__name__)
