"""Incoming messages from LINE, WhatsApp and e-mail onto the right contact's timeline."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.channels.mail_reader import IncomingMail
from officegate.server.messaging import contacts, link_codes, service
from officegate.server.messaging.models import (
    Channel,
    Contact,
    Conversation,
    Message,
    WebhookReceipt,
)
from officegate.server.messaging.runtime import Messaging

_DELIVERY_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def first_time(db: Session, channel: str, event_id: str) -> bool:
    """Record a platform event id; False when it was handled before (a redelivery)."""
    seen = db.scalar(select(WebhookReceipt.id).where(WebhookReceipt.channel == channel,
                                                     WebhookReceipt.event_id == event_id))
    if seen is not None:
        return False
    db.add(WebhookReceipt(channel=channel, event_id=event_id[:200]))
    db.flush()
    return True


def contact_for_address(db: Session, rt: Messaging, *, channel: str, address: str, text: str,
                        name: str = "") -> tuple[Contact, bool]:
    """The contact of a chat-app user, and whether this message linked it to a visitor.

    Known address, else the link code they sent, else new: a visitor who sends their pass
    page's link code (the whole message) from LINE or WhatsApp joins that chat to their
    timeline; before that they are an anonymous contact of their own. Tries are throttled
    per sender (messaging/link_codes.py).
    """
    row = contacts.find_by_identity(db=db, channel=channel, address=address)
    found = contacts.get_contact(db=db, contact_id=row.id) if row is not None else None
    if found is not None and found.visitor_id is not None:
        return found, False
    linked = link_codes.redeem(db=db, channel=channel, address=address, text=text)
    if found is not None and linked is None:
        return found, False  # still anonymous
    contact = linked or contacts.new_contact(db=db, site=rt.site, name=name,
                                             lang=service.texts.language(text, "ja"))
    contacts.add_identity(db=db, contact=contact, channel=channel, address=address)
    return contact, linked is not None


def receive_text(db: Session, rt: Messaging, *, channel: str, address: str, text: str,
                 event_id: str, name: str = "", data: dict[str, Any] | None = None) -> bool:
    """One incoming text message; False when it is a duplicate. A message that was a link
    code is answered with a confirmation, not by the FAQ bot."""
    if not first_time(db, channel, event_id):
        return False
    contact, linked = contact_for_address(db, rt, channel=channel, address=address, text=text,
                                          name=name)
    turn = service.receive(db=db, contact=contact, channel=channel, text=text or "(empty)",
                           matcher=rt.matcher(db, contact.site),
                           dedup_key=f"{channel}:{event_id}"[:200], data=data, linked=linked)
    return not turn.duplicate


def update_delivery(db: Session, *, external_id: str, status: str,
                    errors: list[str] | None = None) -> bool:
    """Move a sent message's delivery status forward (sent -> delivered -> read; failed
    with the platform's reasons kept on the message for staff). False when the message or
    the status is not ours to know (another app's message, a status we do not track)."""
    msg = db.scalar(select(Message).where(Message.external_id == external_id))
    if msg is None or status not in _DELIVERY_ORDER:
        return False
    if _DELIVERY_ORDER.get(msg.delivery or "", 0) < _DELIVERY_ORDER[status]:
        msg.delivery = status
    if errors:
        msg.data = {**msg.data, "delivery_errors": [e[:160] for e in errors[:5]]}
    return True


class MailOutcome(StrEnum):
    """What became of an incoming e-mail."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # its Message-ID was received before
    UNKNOWN = "unknown"  # no signed reply address and a sender who is no visitor
    AUTOMATIC = "automatic"  # an out-of-office reply: not the visitor talking, not answered


def _answered(db: Session, contact: Contact, message_ids: tuple[str, ...]) -> Conversation | None:
    """The conversation of the first of our sent mails the reply names (In-Reply-To, ...)."""
    for message_id in message_ids:
        sent = db.scalar(select(Message).where(Message.external_id == message_id,
                                               Message.channel == Channel.EMAIL).limit(1))
        conv = db.get(Conversation, sent.conversation_id) if sent and sent.conversation_id \
            else None
        if conv is not None and conv.contact_id == contact.id:
            return conv
    return None


def receive_mail(db: Session, rt: Messaging, *, mail: IncomingMail,
                 conversation_ids: list[int]) -> MailOutcome:
    """A visitor's e-mail onto their timeline, once per Message-ID.

    The contact and conversation come from a signed reply address when the mail was sent to
    one, else from the sender's address (a visitor's e-mail) and the mail it answers.
    """
    conv = next((c for c in (db.get(Conversation, i) for i in conversation_ids) if c), None)
    if conv is not None:
        contact: Contact | None = contacts.get_contact(db=db, contact_id=conv.contact_id)
    else:
        found = contacts.find_by_identity(db=db, channel=Channel.EMAIL, address=mail.sender)
        contact = contacts.get_contact(db=db, contact_id=found.id) if found else None
        if contact is not None:
            conv = _answered(db, contact, mail.answers)
    if contact is None:
        return MailOutcome.UNKNOWN
    if mail.automatic:
        return MailOutcome.AUTOMATIC  # answering it could start a loop of machines
    if not first_time(db, Channel.EMAIL, mail.message_id):
        return MailOutcome.DUPLICATE
    text = mail.text or ("(添付ファイルのみ / attachments only)" if mail.attachments
                         else "(本文なし / no text)")
    turn = service.receive(db=db, contact=contact, channel=Channel.EMAIL, text=text,
                           matcher=rt.matcher(db, contact.site), conversation=conv,
                           dedup_key=f"email:{mail.message_id}"[:200], data=mail.data())
    return MailOutcome.DUPLICATE if turn.duplicate else MailOutcome.STORED
