"""Contacts, their channel identities, conversations, messages and survey answers.

The shape follows Chatwoot's: a contact is a visitor known only by a pseudonymous open id;
each channel (web chat, e-mail, LINE, WhatsApp) they use is a channel identity of that
contact; messages of every channel, proactive notices and access/journey activity all
carry the contact id, so one contact has one timeline.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officegate.server.db import Base, UTCDateTime, utcnow


class Channel(StrEnum):
    """Where a message travels."""

    WEB = "web"
    EMAIL = "email"
    LINE = "line"
    WHATSAPP = "whatsapp"
    WECOM = "wecom"  # WeChat users through WeCom customer service (微信客服)


class Status(StrEnum):
    """A conversation's state: pending while the bot handles it, open for a person."""

    PENDING = "pending"
    OPEN = "open"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Kind(StrEnum):
    """What a timeline entry is."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ACTIVITY = "activity"  # system, access and journey events
    NOTE = "note"  # private, staff only


class Sender(StrEnum):
    """Who wrote a message."""

    CONTACT = "contact"
    BOT = "bot"
    USER = "user"
    SYSTEM = "system"


class Contact(Base):
    """A visitor as the messaging side knows them: an open id, no account."""

    __tablename__ = "msg_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    open_id: Mapped[str] = mapped_column(String(32), unique=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id"), nullable=True,
                                                   unique=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # latest
    name: Mapped[str] = mapped_column(String(200), default="")
    # The picture a chat app shows for them (WeCom customer's avatar URL), when it says.
    avatar_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lang: Mapped[str] = mapped_column(String(2), default="ja")
    # The language the visitor picked with the pass page's switch: notices speak it.
    pass_lang: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # A code the visitor sends from LINE/WhatsApp to join that chat to this timeline; it
    # works until it expires or is used (messaging/link_codes.py).
    link_code: Mapped[str] = mapped_column(String(16), unique=True)
    link_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChannelIdentity(Base):
    """One address of a contact on one channel (an e-mail, a LINE userId, a wa_id)."""

    __tablename__ = "msg_identities"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_msg_identities_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("msg_contacts.id", ondelete="CASCADE"),
                                            index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """A thread with a contact, handled by the bot (pending) or a person (open)."""

    __tablename__ = "msg_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("msg_contacts.id", ondelete="CASCADE"),
                                            index=True)
    site: Mapped[str] = mapped_column(String(64), index=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(16))  # where replies go
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING, index=True)
    queue: Mapped[str | None] = mapped_column(String(16), nullable=True)  # host | reception
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True,
                                                    index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Message(Base):
    """One entry of a contact's timeline."""

    __tablename__ = "msg_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("msg_contacts.id", ondelete="CASCADE"),
                                            index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("msg_conversations.id", ondelete="CASCADE"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    event_kind: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Delivering the same thing twice (webhook retry, journey redelivery) hits this key.
    dedup_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    delivery: Mapped[str | None] = mapped_column(String(16), nullable=True)  # sent/read/...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class CsatResponse(Base):
    """A visitor's answer to the after-visit survey: 1 (bad) to 5 (great)."""

    __tablename__ = "msg_csat"
    __table_args__ = (UniqueConstraint("contact_id", "visit_id", name="uq_msg_csat_visit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("msg_contacts.id", ondelete="CASCADE"))
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookReceipt(Base):
    """A platform event id already handled, so a redelivered webhook changes nothing."""

    __tablename__ = "msg_webhook_receipts"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_msg_receipts_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChannelCursor(Base):
    """Where reading a platform's message log stopped (WeCom's sync_msg next_cursor), per
    account, so a restart or another server goes on from there."""

    __tablename__ = "msg_channel_cursors"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkAttempt(Base):
    """A chat-app message shaped like a link code, kept a short while to throttle guessing
    per sender (messaging/link_codes.py)."""

    __tablename__ = "msg_link_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    matched: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
