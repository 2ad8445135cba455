"""Consent where it is the legal basis (location, marketing), with the notice's version;
withdrawing is one call, like giving."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.arrival.models import ArrivalTrack
from officegate.server.errors import InvalidInput
from officegate.server.privacy.models import Consent

# The privacy notice's version; a new notice text gets a new version and asks again.
NOTICE_VERSION = "2026-12"
PURPOSES = ("location", "marketing")


def current(*, db: Session, visit_id: int, purpose: str) -> Consent | None:
    """The standing (not withdrawn) consent of a visit to ``purpose``."""
    return db.scalar(select(Consent).where(
        Consent.visit_id == visit_id, Consent.purpose == purpose,
        Consent.withdrawn_at.is_(None)).order_by(Consent.id.desc()).limit(1))


def give(*, db: Session, visit_id: int, purpose: str, now: datetime) -> Consent:
    """Record consent under the current notice version (once: giving twice changes nothing)."""
    if purpose not in PURPOSES:
        raise InvalidInput("bad_purpose", f"purpose must be one of {PURPOSES}",
                           f"目的は {PURPOSES} のいずれかです")
    row = current(db=db, visit_id=visit_id, purpose=purpose)
    if row is None or row.version != NOTICE_VERSION:
        if row is not None:
            row.withdrawn_at = now  # superseded by consent to the new notice
        row = Consent(visit_id=visit_id, purpose=purpose, version=NOTICE_VERSION, given_at=now)
        db.add(row)
        db.flush()
    return row


def withdraw(*, db: Session, visit_id: int, purpose: str, now: datetime) -> bool:
    """Withdraw; for location this also stops sharing at once (the arrival track forgets
    the consent and its OwnTracks login). Returns whether there was a consent."""
    if purpose not in PURPOSES:
        raise InvalidInput("bad_purpose", f"purpose must be one of {PURPOSES}",
                           f"目的は {PURPOSES} のいずれかです")
    row = current(db=db, visit_id=visit_id, purpose=purpose)
    if row is not None:
        row.withdrawn_at = now
    if purpose == "location":
        track = db.scalar(select(ArrivalTrack).where(ArrivalTrack.visit_id == visit_id))
        if track is not None:
            had = track.consent_at is not None
            track.consent_at = None
            track.owntracks_user = track.owntracks_secret_hash = None
            track.owntracks_key_sealed = None
            return row is not None or had
    return row is not None


def standing(*, db: Session, visit_id: int) -> dict[str, str | None]:
    """Purpose -> version consented to (None when not given)."""
    out: dict[str, str | None] = {}
    for purpose in PURPOSES:
        row = current(db=db, visit_id=visit_id, purpose=purpose)
        out[purpose] = row.version if row else None
    return out
