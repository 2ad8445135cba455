"""Link codes: what a visitor sends from LINE or WhatsApp to join that chat to their timeline.

A code was 6 characters, never expired, and every word of any message was tried as one: a
single WhatsApp message with 700 guesses attached an outside number to a visitor. Now a code
is 10 characters (50 bits), works for a day and once, is tried only when it is the whole
message, and each sender gets a few tries an hour.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.server.db import utcnow
from officegate.server.messaging.models import Contact, LinkAttempt

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on a phone
LENGTH = 10
LIFETIME = timedelta(hours=24)
TRIES_PER_HOUR = 5  # per sender and channel
_SEPARATORS = " -_.,!?:;\"'()[]「」。、"


def new_code() -> str:
    """A fresh random code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def issue(*, contact: Contact, now: datetime | None = None) -> str:
    """Give ``contact`` a new code that works for LIFETIME; returns it."""
    contact.link_code = new_code()
    contact.link_code_expires_at = (now or utcnow()) + LIFETIME
    return contact.link_code


def current(*, contact: Contact, now: datetime | None = None) -> str:
    """The contact's working code, a new one when it expired or was used."""
    now = now or utcnow()
    expires = contact.link_code_expires_at
    if expires is None or expires <= now or len(contact.link_code) != LENGTH:
        return issue(contact=contact, now=now)
    return contact.link_code


def as_code(text: str) -> str | None:
    """The message read as a code when it is one and nothing else (spaces, dashes and
    full-width forms allowed), else None."""
    folded = unicodedata.normalize("NFKC", text).upper()
    compact = "".join(c for c in folded if c not in _SEPARATORS and not c.isspace())
    if len(compact) == LENGTH and all(c in ALPHABET for c in compact):
        return compact
    return None


def _sender(channel: str, address: str) -> str:
    return hashlib.sha256(f"{channel}\0{address}".encode()).hexdigest()


def redeem(*, db: Session, channel: str, address: str, text: str,
           now: datetime | None = None) -> Contact | None:
    """The contact whose working code is the whole of ``text``; the code is used up.

    None when ``text`` is not a code, names no working code, or this sender has used its
    tries this hour (then the code is not even looked up).
    """
    code = as_code(text)
    if code is None:
        return None
    now = now or utcnow()
    sender = _sender(channel, address)
    db.query(LinkAttempt).filter(LinkAttempt.created_at < now - timedelta(days=1)).delete()
    tries = db.scalar(select(func.count()).select_from(LinkAttempt).where(
        LinkAttempt.address_hash == sender, LinkAttempt.channel == channel,
        LinkAttempt.created_at > now - timedelta(hours=1))) or 0
    attempt = LinkAttempt(channel=channel, address_hash=sender, matched=False, created_at=now)
    db.add(attempt)
    if tries >= TRIES_PER_HOUR:
        return None
    found = db.scalar(select(Contact).where(Contact.link_code == code))
    if found is None or found.link_code_expires_at is None or found.link_code_expires_at <= now:
        return None
    attempt.matched = True
    issue(contact=found, now=now)  # used once: the pass page shows a new one
    return found
