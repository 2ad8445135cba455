"""Chats started from anywhere: a QR or link per site and entry point (``/chat/{entry}``,
e.g. ``lobby``, ``sales``, ``web``) opens a chat with no account.

The browser gets a random chat key once and keeps it; the server keeps only its hash, as the
contact's web identity. The contact is anonymous until the same phone later opens a visitor
pass: then the pass page hands over the key and both timelines become one
(:func:`merge_into`). Which entry point the chat came from is on the timeline.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy.orm import Session

from officegate.server.errors import InvalidInput, NotFound
from officegate.server.messaging import contacts
from officegate.server.messaging.models import Channel, Contact, Kind, Message, Sender

ENTRY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _address(key: str) -> str:
    return "anon:" + hashlib.sha256(key.encode()).hexdigest()


def check_entry(entry: str) -> str:
    """``entry`` when it is a valid entry-point name (lowercase letters, digits, hyphens)."""
    if not ENTRY.match(entry):
        raise InvalidInput("bad_entry", "an entry point is 1-40 lowercase letters, digits or -",
                           "入口の名前は英小文字・数字・ハイフン 1〜40 文字です")
    return entry


def start(*, db: Session, site: str, entry: str, lang: str) -> tuple[str, Contact]:
    """A new anonymous contact for a chat opened at ``entry``; its key (shown once)."""
    key = secrets.token_urlsafe(32)
    contact = contacts.new_contact(db=db, site=site, lang=lang if lang in ("ja", "en") else "en")
    contacts.add_identity(db=db, contact=contact, channel=Channel.WEB, address=_address(key))
    db.add(Message(contact_id=contact.id, kind=Kind.ACTIVITY, sender=Sender.SYSTEM,
                   channel=Channel.WEB, event_kind="chat_entered",
                   body=f"チャット開始 / chat opened ({entry})", data={"entry": entry}))
    db.flush()
    return key, contact


def contact_for_key(*, db: Session, key: str) -> Contact:
    """The contact a chat key belongs to (following merges); 404 for any other key."""
    found = contacts.find_by_identity(db=db, channel=Channel.WEB, address=_address(key)) \
        if KEY.match(key) else None
    if found is None:
        raise NotFound("unknown_chat", "there is no chat with this key",
                       "このチャットは見つかりません")
    return contacts.get_contact(db=db, contact_id=found.id)


def merge_into(*, db: Session, visitor: Contact, key: str) -> Contact:
    """The phone that chatted anonymously opened its pass: one timeline from now on."""
    anonymous = contact_for_key(db=db, key=key)
    if anonymous.id == visitor.id:
        return visitor
    if anonymous.visitor_id is not None:  # another visitor's chat: not this pass's to take
        raise NotFound("unknown_chat", "there is no chat with this key",
                       "このチャットは見つかりません")
    return contacts.merge(db=db, keep=visitor, gone=anonymous)
