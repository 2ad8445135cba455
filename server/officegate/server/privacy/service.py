"""Subject access and erasure requests: from the pass page or by staff, each recorded with
its state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.errors import Conflict, NotFound
from officegate.server.privacy.erasure import erase_visitor, is_erased
from officegate.server.privacy.models import PrivacyRequest
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass


def visitor_of_pass(*, db: Session, row: VisitorPass) -> tuple[Visitor, Visit, Site]:
    """The visitor, visit and site behind a pass."""
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    return _of_visit(db, visit)


def visitor_of_visit(*, db: Session, visit_id: int) -> tuple[Visitor, Visit, Site]:
    """The visitor, visit and site of a visit id; NotFound when there is none."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("no_visit", f"no visit {visit_id}", f"来訪 {visit_id} はありません")
    return _of_visit(db, visit)


def _of_visit(db: Session, visit: Visit) -> tuple[Visitor, Visit, Site]:
    visitor, site = db.get(Visitor, visit.visitor_id), db.get(Site, visit.site_id)
    assert visitor is not None and site is not None
    return visitor, visit, site


def record_access(*, db: Session, visitor: Visitor, site: Site, source: str,
                  requested_by: str, now: datetime) -> PrivacyRequest:
    """A subject access request answered at once (the answer is the download itself)."""
    row = PrivacyRequest(site=site.code, visitor_id=visitor.id, subject=visitor.subject,
                         kind="access", source=source, requested_by=requested_by,
                         state="done", created_at=now, done_at=now)
    db.add(row)
    db.flush()
    return row


def erase(*, db: Session, visitor: Visitor, site: Site, source: str, requested_by: str,
          now: datetime) -> PrivacyRequest:
    """Erase the visitor now and record the request as done (Conflict when already erased).

    The caller commits and then republishes the revocation list to the edges.
    """
    if is_erased(db=db, visitor=visitor):
        raise Conflict("already_erased", "this visitor's data is already erased",
                       "この来訪者の情報は既に削除されています")
    counts = erase_visitor(db=db, visitor=visitor, now=now)
    row = PrivacyRequest(site=site.code, visitor_id=visitor.id, subject=visitor.subject,
                         kind="erasure", source=source, requested_by=requested_by,
                         state="done", counts=counts, created_at=now, done_at=now)
    db.add(row)
    db.flush()
    return row


def list_requests(*, db: Session, site: str, limit: int = 200) -> list[PrivacyRequest]:
    """The site's requests, newest first."""
    return list(db.scalars(select(PrivacyRequest).where(PrivacyRequest.site == site)
                           .order_by(PrivacyRequest.id.desc()).limit(limit)))
