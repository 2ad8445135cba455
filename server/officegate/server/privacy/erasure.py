"""Erasing visitors: identity, messages and contact points go; what security and the
figures need stays, pseudonymous (the visitor's random ``subject`` and row ids).

Every change is one set-based statement per table for a whole batch of visitors, so a batch
of a few hundred is one short transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from officegate.server.arrival.models import ArrivalTrack
from officegate.server.checkin.models import CheckIn
from officegate.server.meetings.models import Attendee, Meeting
from officegate.server.messaging.models import ChannelIdentity, Contact, CsatResponse, Message
from officegate.server.notify.models import Notice
from officegate.server.privacy.models import Consent, PrivacyRequest
from officegate.server.sites.models import Site
from officegate.server.vending.visitor_push import VisitorPushSubscription
from officegate.server.visits.models import Visit, Visitor, VisitorPass

# The keys of a timeline entry's data that the figures read (funnel, surveys); the rest
# (names, addresses, texts) goes with the identity.
KEEP_DATA = ("visit_id", "proactive", "survey", "quiet_hours", "lang")
BULK = {"synchronize_session": False}  # set-based: no per-row bookkeeping in the session


def is_erased(*, db: Session, visitor: Visitor) -> bool:
    """Whether the visitor's identity is already gone."""
    return db.scalar(select(PrivacyRequest.id).where(
        PrivacyRequest.visitor_id == visitor.id, PrivacyRequest.kind == "erasure",
        PrivacyRequest.state == "done").limit(1)) is not None


def _rows(result: Any) -> int:
    return int(result.rowcount or 0)


def erase_messages(db: Session, contact_ids: list[int]) -> int:
    """Blank the texts of these contacts' timeline entries (kinds and times stay)."""
    rows = db.execute(select(Message.id, Message.data).where(
        Message.contact_id.in_(contact_ids))).all()
    if rows:
        db.execute(update(Message), [
            {"id": r.id, "body": "", "external_id": None,
             "data": {k: v for k, v in (r.data or {}).items() if k in KEEP_DATA}}
            for r in rows])
    return len(rows)


def erase_visitor(*, db: Session, visitor: Visitor, now: datetime) -> dict[str, int]:
    """Erase one visitor (see :func:`erase_visitors`)."""
    return erase_visitors(db=db, visitors=[visitor], now=now)


def erase_visitors(*, db: Session, visitors: list[Visitor], now: datetime) -> dict[str, int]:
    """Remove these visitors' identity everywhere and revoke their passes; returns counts
    per kind of data. The caller commits, then has the bridge republish revocations (edges
    refuse the passes offline from then on)."""
    ids = [v.id for v in visitors]
    visit_ids = list(db.scalars(select(Visit.id).where(Visit.visitor_id.in_(ids))))
    contact_ids = list(db.scalars(select(Contact.id).where(Contact.visitor_id.in_(ids))))
    counts: dict[str, int] = {"visits": len(visit_ids)}
    for visitor in visitors:
        visitor.name, visitor.email, visitor.phone, visitor.company = "", None, None, None
    # Free text a host wrote about the visit, and the titles of the meetings it was booked
    # for ("Contract with Ms Sato"): they name people, so they go with the identity.
    db.execute(update(Visit).where(Visit.id.in_(visit_ids))
               .values(note=None, directions=None).execution_options(**BULK))
    counts["meeting_titles"] = _rows(db.execute(
        update(Meeting).where(Meeting.id.in_(select(Attendee.meeting_id).where(
            Attendee.visit_id.in_(visit_ids))), Meeting.title != "")
        .values(title="").execution_options(**BULK)))
    revoked = _rows(db.execute(update(VisitorPass).where(
        VisitorPass.visit_id.in_(visit_ids), VisitorPass.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(**BULK)))
    if revoked:
        for site in db.scalars(select(Site).join(Visit, Visit.site_id == Site.id)
                               .where(Visit.id.in_(visit_ids)).distinct()):
            site.revocations_version += 1
    counts["passes_revoked"] = revoked
    # Contact points: the phone's binding, push endpoints, chat addresses, OwnTracks login.
    db.execute(update(VisitorPass).where(VisitorPass.visit_id.in_(visit_ids))
               .values(bound_device_hash=None).execution_options(**BULK))
    counts["push_subscriptions"] = _rows(db.execute(delete(VisitorPushSubscription).where(
        VisitorPushSubscription.visit_id.in_(visit_ids)).execution_options(**BULK)))
    counts["contact_points"] = _rows(db.execute(delete(ChannelIdentity).where(
        ChannelIdentity.contact_id.in_(contact_ids)).execution_options(**BULK)))
    # The contacts, and the empty rows of chats merged into them (they keep a name).
    db.execute(update(Contact).where(Contact.id.in_(contact_ids)
                                     | Contact.merged_into_id.in_(contact_ids))
               .values(name="", avatar_url=None).execution_options(**BULK))
    counts["messages"] = erase_messages(db, contact_ids)
    db.execute(update(CsatResponse).where(CsatResponse.contact_id.in_(contact_ids))
               .values(comment="").execution_options(**BULK))
    counts["notices"] = _rows(db.execute(
        update(Notice).where(Notice.visit_id.in_(visit_ids))
        .values(title_en="", title_ja="", body_en="", body_ja="").execution_options(**BULK)))
    db.execute(update(Attendee).where(Attendee.visit_id.in_(visit_ids))
               .values(name="", email=None).execution_options(**BULK))
    db.execute(update(CheckIn).where(CheckIn.visit_id.in_(visit_ids))
               .values(held_reason=None).execution_options(**BULK))
    counts["arrival"] = erase_arrival(db=db, visit_ids=visit_ids)
    db.execute(update(Consent).where(Consent.visit_id.in_(visit_ids),
                                     Consent.withdrawn_at.is_(None))
               .values(withdrawn_at=now).execution_options(**BULK))
    db.flush()
    return counts


def erase_arrival(*, db: Session, visit_ids: list[int]) -> int:
    """Forget arrival decisions (distances, ETA) and OwnTracks credentials of these visits;
    the times of the steps stay for the funnel. Returns how many tracks changed."""
    return _rows(db.execute(update(ArrivalTrack).where(
        ArrivalTrack.visit_id.in_(visit_ids), ArrivalTrack.owntracks_user.is_not(None)
        | ArrivalTrack.last_distance_m.is_not(None)
        | ArrivalTrack.approach_distance_m.is_not(None)
        | ArrivalTrack.arrival_distance_m.is_not(None))
        .values(owntracks_user=None, owntracks_secret_hash=None, owntracks_key_sealed=None,
                last_at=None, last_distance_m=None, approach_distance_m=None,
                approach_accuracy_m=None, eta_s=None, arrival_distance_m=None,
                arrival_accuracy_m=None).execution_options(**BULK)))
