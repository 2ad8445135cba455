"""The site API: its name and time zone; the admin changes the zone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.audit import service as audit
from officegate.server.db import utcnow
from officegate.server.deps import AdminUser, InvitingUser, SessionDep, StateDep
from officegate.server.http.openapi import TIME_ZONE
from officegate.server.localtime import format_local
from officegate.server.sites import service
from officegate.server.sites.clock import page_clock
from officegate.server.sites.models import Site

router = APIRouter(tags=["sites"])


class TimeZoneIn(BaseModel):
    """A new time zone for the site."""

    model_config = ConfigDict(extra="forbid")
    timezone: str = Field(min_length=1, max_length=64, examples=["Asia/Tokyo"],
                          json_schema_extra=TIME_ZONE)


class SiteOut(BaseModel):
    """The site as the API shows it; ``local_now`` reads the current time the site's way."""

    code: str
    name: str
    timezone: str
    local_now: str


def _out(site: Site) -> SiteOut:
    zone = service.time_zone(site)
    return SiteOut(code=site.code, name=site.name, timezone=zone,
                   local_now=format_local(utcnow(), zone))


@router.get("/api/site", response_model=SiteOut)
def get_site(db: SessionDep, state: StateDep, _user: InvitingUser) -> SiteOut:
    """This server's site and its time zone."""
    return _out(service.get_site(db=db, code=state.settings.site))


@router.put("/api/site/timezone", response_model=SiteOut)
def set_time_zone(body: TimeZoneIn, request: Request, db: SessionDep, state: StateDep,
                  user: AdminUser) -> SiteOut:
    """Change the site's time zone (admin); 422 for a name that is no IANA zone.

    Pages render in the new zone at once; stored times (UTC) do not change.
    """
    site = service.get_site(db=db, code=state.settings.site)
    before = site.timezone
    site = service.set_time_zone(db=db, site=site, timezone=body.timezone)
    audit.record(db, who=audit.actor_of(request, user), action="settings.timezone",
                 target=f"site:{site.code}", before={"timezone": before},
                 after={"timezone": site.timezone})
    db.commit()
    page_clock(state.templates).set(site.timezone or "")
    return _out(site)
