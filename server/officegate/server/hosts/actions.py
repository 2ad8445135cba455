"""What a host (or staff) may do to a visit's pass from the visit page: re-send the link,
cancel the visit, revoke the pass, re-bind it to a new phone. Callers commit, then publish
the revocations and the returned journey event."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.auth.models import User
from officegate.server.checkin import passes
from officegate.server.checkin.models import CheckIn
from officegate.server.db import utcnow
from officegate.server.errors import Conflict, InvalidInput
from officegate.server.hosts import views
from officegate.server.invitations import service as invitations
from officegate.server.journey import JourneyEvent
from officegate.server.settings import Settings
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, VisitorPass


def _usable(db: Session, visit: Visit) -> None:
    if visit.cancelled_at is not None:
        raise Conflict("visit_cancelled", "the visit was cancelled", "この訪問は取り消されました")
    record = db.scalar(select(CheckIn).where(CheckIn.visit_id == visit.id))
    if record is not None and record.status in ("held", "refused", "checked_out"):
        raise Conflict(f"visit_{record.status}", f"the visit is {record.status}",
                       "この訪問のパスは送れません")


def resend(*, db: Session, visit: Visit, settings: Settings) -> tuple[str, JourneyEvent]:
    """A fresh link (the old one stops working; the phone that opened it keeps its pass) and
    the ``invited`` event that sends it again."""
    _usable(db, visit)
    host = db.get(User, visit.host_id)
    site = db.get(Site, visit.site_id)
    assert host is not None and site is not None
    url = invitations.new_link(db=db, visit=visit, base_url=settings.base_url)
    event = invitations.invited_event(db=db, visit=visit, site=site.code, host=host,
                                      pass_url=url, key=f"invited:{visit.id}:{utcnow()}")
    event.data["resend"] = True
    return url, event


def rebind(*, db: Session, visit: Visit, settings: Settings, confirmed: bool
           ) -> tuple[str, JourneyEvent]:
    """Let a new phone open the pass (the visitor's link was opened in another app's browser
    first): the old pass is replaced and revoked, so the copy on the first phone stops
    working, and a fresh link is sent. ``confirmed``: the host checked who asks."""
    if not confirmed:
        raise InvalidInput("confirm_visitor", "confirm the visitor's identity first",
                           "来訪者本人であることを確認してください")
    _usable(db, visit)
    row = views.live_pass(db=db, visit_id=visit.id)
    if row is None:
        raise Conflict("pass_revoked", "the pass is revoked", "パスは無効化されています")
    new = passes.replace_pass(db=db, row=row, zones=list(row.zones),
                              keyring=settings.keyring, key_alg=settings.key_alg)
    new.bound_device_hash, new.bound_at = None, None
    db.flush()
    return resend(db=db, visit=visit, settings=settings)


def revoke(*, db: Session, visit: Visit) -> bool:
    """Revoke every live pass of the visit; True when one was revoked."""
    rows = list(db.scalars(select(VisitorPass).where(VisitorPass.visit_id == visit.id,
                                                     VisitorPass.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
    if rows:
        site = db.get(Site, visit.site_id)
        if site is not None:
            site.revocations_version += 1
    db.flush()
    return bool(rows)


def cancel(*, db: Session, visit: Visit) -> bool:
    """Cancel the visit and revoke its passes; True when doors must hear of it."""
    if visit.cancelled_at is not None:
        raise Conflict("visit_cancelled", "the visit was already cancelled",
                       "この訪問は既に取り消されています")
    visit.cancelled_at = utcnow()
    return revoke(db=db, visit=visit)
