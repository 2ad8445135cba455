"""Visitor zones: the zones of a site hosts may put on a visitor's pass (see visits.scope).

``GET /api/sites/{site}/visitor-zones`` tells anyone signed in what hosts may grant;
``PUT`` (staff, admin) chooses the zones.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.deps import InvitingUser, SessionDep, StaffUser
from officegate.server.errors import InvalidInput
from officegate.server.sites import service
from officegate.server.sites.models import Site, Zone
from officegate.server.visits.scope import visitor_scope

router = APIRouter(tags=["sites"])


def set_visitor_zones(*, db: Session, site: Site, zones: list[str]) -> list[str]:
    """Make exactly ``zones`` the site's visitor zones; InvalidInput (422) for an unknown one."""
    rows = {z.name: z for z in db.scalars(select(Zone).where(Zone.site_id == site.id))}
    unknown = [z for z in zones if z not in rows]
    if unknown:
        raise InvalidInput("unknown_zone", f"site {site.code} has no zone {unknown[0][:64]!r}",
                           f"サイト {site.code} にゾーン {unknown[0][:64]!r} はありません")
    for name, row in rows.items():
        row.visitor_grantable = name in zones
    db.flush()
    return sorted(set(zones))


class VisitorZonesIn(BaseModel):
    """The zones hosts may grant from now on (an empty list: none)."""

    model_config = ConfigDict(extra="forbid")
    zones: list[str] = Field(max_length=64)


class VisitorZonesOut(BaseModel):
    """What a host may put on a visitor's pass; meeting rooms come with a booking."""

    site: str
    zones: list[str]
    doors: list[str]


def _out(db: Session, site: Site) -> VisitorZonesOut:
    scope = visitor_scope(db=db, site=site)
    return VisitorZonesOut(site=site.code, zones=list(scope.zones), doors=list(scope.doors))


@router.get("/api/sites/{site}/visitor-zones", response_model=VisitorZonesOut)
def get_visitor_zones(site: str, db: SessionDep, _user: InvitingUser) -> VisitorZonesOut:
    """The zones and doors hosts may grant at ``site``."""
    return _out(db, service.get_site(db=db, code=site))


@router.put("/api/sites/{site}/visitor-zones", response_model=VisitorZonesOut)
def put_visitor_zones(site: str, body: VisitorZonesIn, request: Request, db: SessionDep,
                      user: StaffUser) -> VisitorZonesOut:
    """Choose the zones hosts may grant (staff); 422 for a zone the site does not have."""
    row = service.get_site(db=db, code=site)
    before = audit.snapshot(_out(db, row))
    set_visitor_zones(db=db, site=row, zones=body.zones)
    out = _out(db, row)
    audit.record(db, who=audit.actor_of(request, user), action="settings.visitor_zones",
                 target=f"site:{row.code}", before=before, after=audit.snapshot(out))
    return out
