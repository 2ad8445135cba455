"""Journey events onto the visitor's timeline, and the proactive notice each one deserves.

Every event becomes an activity entry (dedup key ``journey:<event key>``). Events with a
rule also send a notice on the visitor's channel, unless they opted out; duplicates of an
event (same key) or of a once-per-visit rule change nothing; in quiet hours a notice stays
on the web timeline instead of buzzing a phone or an inbox.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.journey import JourneyEvent
from officegate.server.localtime import DEFAULT_TIME_ZONE, format_local
from officegate.server.messaging import contacts, texts
from officegate.server.messaging.models import (
    Channel,
    ChannelIdentity,
    Contact,
    Conversation,
    Kind,
    Message,
    Sender,
    Status,
)
from officegate.server.messaging.runtime import Messaging
from officegate.server.proactive.rules import ACTIVITY, RULES, Rule
from officegate.server.sites import service as sites
from officegate.server.visits.models import Visit

log = logging.getLogger(__name__)
_PUSH = (Channel.LINE, Channel.WHATSAPP)


def in_quiet_hours(at: datetime, *, tz: str, start: int, end: int) -> bool:
    """True when ``at`` falls in the office's quiet hours (start..end, may wrap midnight)."""
    hour = at.astimezone(ZoneInfo(tz)).hour
    return start <= hour or hour < end if start > end else start <= hour < end


def visitor_channel(*, db: Session, contact: Contact, rule: Rule) -> str:
    """Where a notice goes: the app they last wrote from, else LINE/WhatsApp, else e-mail."""
    last = db.scalar(select(Message.channel).where(
        Message.contact_id == contact.id, Message.kind == Kind.INCOMING)
        .order_by(Message.id.desc()).limit(1))
    if last:
        return last
    have = set(db.scalars(select(ChannelIdentity.channel).where(
        ChannelIdentity.contact_id == contact.id)))
    for channel in _PUSH:
        if channel in have:
            return channel
    if Channel.EMAIL in have and rule.name in ("invitation", "reminder", "survey"):
        return Channel.EMAIL
    return Channel.WEB


def notice_language(*, db: Session, contact: Contact, default: str) -> str:
    """The language of a notice: the one the visitor chose on the pass page, else the one
    of their last message that shows a language, else the site's default."""
    if contact.pass_lang in ("ja", "en"):
        return contact.pass_lang
    recent = db.scalars(select(Message.body).where(
        Message.contact_id == contact.id, Message.kind == Kind.INCOMING)
        .order_by(Message.id.desc()).limit(20))
    for body in recent:
        lang = texts.written_language(body)
        if lang is not None:
            return lang
    return default


def _values(db: Session, contact: Contact, visit: Visit | None, event: JourneyEvent,
            lang: str, tz: str) -> dict[str, Any]:
    host = db.get(User, visit.host_id) if visit else None
    when = format_local(visit.starts_at, tz) if visit is not None else ""
    default_room = "会議室" if lang == "ja" else "your meeting room"
    return {"name": contact.name or "", "host": host.display_name if host else "",
            "when": when, "room": (visit.room if visit and visit.room else default_room),
            "directions": (visit.directions if visit and visit.directions else ""),
            "minutes": str(event.data.get("minutes", "10"))}


def handle(rt: Messaging, event: JourneyEvent) -> None:
    """Put ``event`` on its visitor's timeline and send the notice its rule asks for."""
    if event.visit_id is None:
        return
    rt.run(lambda db: _handle(rt, db, event))


def _handle(rt: Messaging, db: Session, event: JourneyEvent) -> None:
    assert event.visit_id is not None
    contact = contacts.contact_for_visit(db=db, visit_id=event.visit_id)
    if contact is None:
        log.info("journey %s for unknown visit %s ignored", event.kind, event.visit_id)
        return
    activity_key = f"journey:{event.key}"[:200]
    if db.scalar(select(Message.id).where(Message.dedup_key == activity_key)) is not None:
        return  # delivered twice: the first delivery did everything
    detail = ", ".join(f"{k}: {event.data[k]}" for k in ("device", "reason", "detail")
                       if event.data.get(k))
    label = ACTIVITY.get(event.kind, event.kind)
    db.add(Message(contact_id=contact.id, kind=Kind.ACTIVITY, sender=Sender.SYSTEM,
                   body=f"{label} ({detail})" if detail else label, event_kind=event.kind,
                   dedup_key=activity_key, created_at=event.at,
                   data={"visit_id": event.visit_id, "key": event.key,
                         **{k: v for k, v in event.data.items() if k in
                            ("device", "reason", "detail", "room", "minutes")}}))
    db.flush()
    rule = RULES.get(event.kind)
    if rule is None or contact.opted_out_at is not None:
        return
    # A host's re-send is a new notice on purpose (its event key is new each time).
    once = rule.once_per_visit and not event.data.get("resend")
    key = (f"proactive:{rule.name}:{event.visit_id}" if once
           else f"proactive:{event.key}")[:200]
    if db.scalar(select(Message.id).where(Message.dedup_key == key)) is not None:
        return
    visit = db.get(Visit, event.visit_id)
    channel = visitor_channel(db=db, contact=contact, rule=rule)
    # The site's zone is the one source of truth for the office's clock.
    tz = sites.time_zone_of(db=db, site_id=visit.site_id) if visit else DEFAULT_TIME_ZONE
    quiet = in_quiet_hours(event.at, tz=tz, start=rt.config.quiet_start_hour,
                           end=rt.config.quiet_end_hour)
    held = quiet and channel != Channel.WEB and rule.name != "invitation"
    if held:
        channel = Channel.WEB
    lang = notice_language(db=db, contact=contact, default=rt.config.default_lang)
    values = _values(db, contact, visit, event, lang, tz)
    values["privacy_url"] = f"{rt.base_url.rstrip('/')}/privacy?lang={lang}"
    body = (rule.ja if lang == "ja" else rule.en).format(**values).strip()
    conv = _notice_conversation(db, contact, channel)
    msg = Message(contact_id=contact.id, conversation_id=conv.id, kind=Kind.OUTGOING,
                  sender=Sender.SYSTEM, channel=channel, body=body, event_kind=event.kind,
                  dedup_key=key, data={"proactive": rule.name, "visit_id": event.visit_id,
                                       "survey": rule.survey, "quiet_hours": held, "lang": lang,
                                       "subject": _subject(rule, rt.site_name)})
    db.add(msg)
    db.flush()
    pass_url = event.data.get("pass_url")
    if rule.name == "invitation" and isinstance(pass_url, str):
        rt.attach_private_text(msg, f"\n\nパス / Your pass: {pass_url}\n")


def _notice_conversation(db: Session, contact: Contact, channel: str) -> Conversation:
    """The open thread if there is one, else a resolved system thread (notices need no reply)."""
    conv = db.scalar(select(Conversation).where(
        Conversation.contact_id == contact.id, Conversation.status != Status.RESOLVED)
        .order_by(Conversation.id.desc()).limit(1))
    if conv is not None:
        return conv
    conv = Conversation(contact_id=contact.id, site=contact.site, visit_id=contact.visit_id,
                        channel=channel, status=Status.RESOLVED, resolved_at=utcnow(),
                        queue="notices")
    db.add(conv)
    db.flush()
    return conv


def _subject(rule: Rule, site_name: str) -> str:
    if rule.name == "invitation":
        return f"ご来訪のご案内 / Your visit to {site_name}"
    if rule.survey:
        return f"ご来訪のアンケート / How was your visit to {site_name}?"
    return f"{site_name} からのお知らせ / Notice from {site_name}"
