"""The after-visit survey (CSAT): a 1-5 rating from the pass page or as a chat reply."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.errors import Conflict, InvalidInput
from officegate.server.faq.normalise import normalise
from officegate.server.messaging.models import Contact, CsatResponse, Kind, Message

_RATING = re.compile(r"^([1-5])(?:\s*[/／]\s*5)?\s*(?:点|stars?)?\s*[.!。!]?\s*(.*)$", re.S)


def pending_survey(*, db: Session, contact: Contact) -> Message | None:
    """The survey message sent to ``contact`` and not answered yet, else None."""
    sent = db.scalars(select(Message).where(
        Message.contact_id == contact.id, Message.kind == Kind.OUTGOING,
        Message.dedup_key.like("proactive:survey:%")).order_by(Message.id.desc()))
    for msg in sent:
        visit_id = msg.data.get("visit_id")
        if not isinstance(visit_id, int):
            continue
        answered = db.scalar(select(CsatResponse.id).where(
            CsatResponse.contact_id == contact.id, CsatResponse.visit_id == visit_id))
        if answered is None:
            return msg
    return None


def parse_rating(text: str) -> tuple[int, str] | None:
    """(rating, comment) when ``text`` starts with a 1-5 rating ("5", "4点 よかった", "3/5")."""
    m = _RATING.match(normalise(text))
    return (int(m.group(1)), m.group(2).strip()[:1000]) if m else None


def record(*, db: Session, contact: Contact, visit_id: int | None, rating: int,
           comment: str = "") -> CsatResponse:
    """Store one answer; Conflict when this visit was already rated."""
    if not 1 <= rating <= 5:
        raise InvalidInput("bad_rating", "the rating must be 1 to 5",
                           "評価は1〜5で入力してください")
    exists = db.scalar(select(CsatResponse.id).where(
        CsatResponse.contact_id == contact.id, CsatResponse.visit_id == visit_id))
    if exists is not None:
        raise Conflict("already_rated", "this visit was already rated",
                       "この来訪はすでに評価済みです")
    row = CsatResponse(contact_id=contact.id, visit_id=visit_id, rating=rating,
                       comment=comment.strip()[:1000])
    db.add(row)
    db.add(Message(contact_id=contact.id, kind=Kind.ACTIVITY, sender="contact",
                   body=f"満足度 / CSAT: {rating}/5" + (f" — {row.comment}" if row.comment else ""),
                   event_kind="csat", data={"rating": rating, "visit_id": visit_id}))
    db.flush()
    return row
