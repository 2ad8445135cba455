"""Contacts and their channel identities: made from the invitation, merged across channels."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officegate.server.errors import InvalidInput, NotFound
from officegate.server.messaging import link_codes
from officegate.server.messaging.models import (
    Channel,
    ChannelIdentity,
    Contact,
    Conversation,
    CsatResponse,
    Message,
)
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor


def new_contact(*, db: Session, site: str, name: str = "", lang: str = "ja",
                visitor_id: int | None = None, visit_id: int | None = None) -> Contact:
    """A fresh contact with a random open id and link code."""
    contact = Contact(open_id=secrets.token_hex(16), site=site, name=name[:200], lang=lang,
                      visitor_id=visitor_id, visit_id=visit_id)
    link_codes.issue(contact=contact)
    db.add(contact)
    db.flush()
    return contact


def add_identity(*, db: Session, contact: Contact, channel: str, address: str) -> ChannelIdentity:
    """Attach ``address`` on ``channel`` to ``contact`` (idempotent; moves it if elsewhere)."""
    address = address.strip()[:254]
    row = db.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                                  ChannelIdentity.address == address))
    if row is None:
        row = ChannelIdentity(contact_id=contact.id, channel=channel, address=address)
        db.add(row)
    elif row.contact_id != contact.id:
        merge(db=db, keep=contact, gone=db.get(Contact, row.contact_id))
    db.flush()
    return row


def contact_for_visit(*, db: Session, visit_id: int) -> Contact | None:
    """The contact of a visit's visitor, made on first need (None for an unknown visit).

    The web identity is the visitor's pseudonymous subject and the e-mail the invitation
    went to, so the pass page chat and e-mail replies land on the same timeline.
    """
    visit = db.get(Visit, visit_id)
    if visit is None:
        return None
    visitor = db.get(Visitor, visit.visitor_id)
    if visitor is None:
        return None
    contact = db.scalar(select(Contact).where(Contact.visitor_id == visitor.id))
    site = db.get(Site, visit.site_id)
    if contact is None:
        chosen = visitor.lang if visitor.lang in ("ja", "en") else None  # the host's choice
        lang = chosen or ("ja" if any(ord(c) > 0x3000 for c in visitor.name) else "en")
        contact = new_contact(db=db, site=site.code if site else "", name=visitor.name,
                              lang=lang, visitor_id=visitor.id, visit_id=visit.id)
        contact.pass_lang = chosen
        add_identity(db=db, contact=contact, channel=Channel.WEB, address=visitor.subject)
        if visitor.email:
            add_identity(db=db, contact=contact, channel=Channel.EMAIL,
                         address=visitor.email.lower())
    elif contact.visit_id != visit.id and (contact.visit_id or 0) < visit.id:
        contact.visit_id = visit.id  # the newest visit is the one the chat is about
    return contact


def find_by_identity(*, db: Session, channel: str, address: str) -> Contact | None:
    """The contact behind ``address`` on ``channel``, if any."""
    row = db.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                                  ChannelIdentity.address == address.strip()))
    return db.get(Contact, row.contact_id) if row else None


def identities(*, db: Session, contact: Contact) -> list[ChannelIdentity]:
    """Every channel identity of ``contact``."""
    return list(db.scalars(select(ChannelIdentity).where(
        ChannelIdentity.contact_id == contact.id).order_by(ChannelIdentity.id)))


def merge(*, db: Session, keep: Contact, gone: Contact | None) -> Contact:
    """Move everything of ``gone`` onto ``keep``: identities, conversations, messages.

    ``gone`` stays as an empty row pointing at ``keep`` so old links still resolve.
    """
    if gone is None or gone.id == keep.id:
        return keep
    if gone.merged_into_id is not None:
        raise InvalidInput("already_merged", "that contact was already merged",
                           "この連絡先はすでに統合されています")
    for model in (ChannelIdentity, Conversation, Message):
        db.execute(update(model).where(model.contact_id == gone.id)  # type: ignore[attr-defined]
                   .values(contact_id=keep.id))
    for answer in db.scalars(select(CsatResponse).where(CsatResponse.contact_id == gone.id)):
        clash = db.scalar(select(CsatResponse).where(CsatResponse.contact_id == keep.id,
                                                     CsatResponse.visit_id == answer.visit_id))
        if clash is None:
            answer.contact_id = keep.id
        else:
            db.delete(answer)
    if keep.visitor_id is None and gone.visitor_id is not None:
        visitor_id, gone.visitor_id = gone.visitor_id, None
        db.flush()  # the unique visitor id must leave ``gone`` before ``keep`` takes it
        keep.visitor_id, keep.visit_id = visitor_id, gone.visit_id
    keep.name = keep.name or gone.name
    keep.pass_lang = keep.pass_lang or gone.pass_lang
    gone.merged_into_id = keep.id
    db.flush()
    db.expire_all()
    return keep


def get_contact(*, db: Session, contact_id: int) -> Contact:
    """A contact by id (following merges); NotFound otherwise."""
    contact = db.get(Contact, contact_id)
    while contact is not None and contact.merged_into_id is not None:
        contact = db.get(Contact, contact.merged_into_id)
    if contact is None:
        raise NotFound("no_contact", "no such contact", "連絡先が見つかりません")
    return contact
