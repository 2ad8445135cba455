"""The settings page: every site setting and list that had only an API, each a form that
sends the API's own JSON (errors appear next to their field), with what is set now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from officegate.server.arrival import service as arrival
from officegate.server.auth.models import Role, User
from officegate.server.checkin.models import WatchEntry
from officegate.server.console.lang import page_context
from officegate.server.deps import SessionDep, StateDep, require_page_role
from officegate.server.devices import service as devices
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.meetings import feeds
from officegate.server.meetings import service as meetings
from officegate.server.sites import service as sites
from officegate.server.vending import service as vending
from officegate.server.visits.scope import visitor_scope

router = APIRouter(include_in_schema=False)
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


@router.get("/staff/settings", response_class=HTMLResponse)
def settings_page(request: Request, db: SessionDep, state: StateDep,
                  user: StaffOnlyPage) -> Response:
    """Site time zone, visitor zones, geofence and check-in, watchlist, rooms, calendar
    feeds, devices, signing keys, vending machines and the drink policy; links to alarm
    delivery, the drinks page and users."""
    site = sites.get_site(db=db, code=state.settings.site)
    return state.templates.TemplateResponse(request, "console/settings.html", page_context(
        request, user, site=site, time_zone=sites.time_zone(site),
        zones=[z.name for z in sites.list_zones(db=db, site=site)],
        visitor_zones=set(visitor_scope(db=db, site=site).zones),
        geofence=arrival.site_config(db=db, site_id=site.id),
        watch=list(db.scalars(select(WatchEntry).where(WatchEntry.site_id == site.id)
                              .order_by(WatchEntry.id))),
        rooms=meetings.list_rooms(db=db), feeds=feeds.all_feeds(db=db),
        devices=devices.list_devices(db=db, site=site.code),
        keys=list(db.scalars(select(SigningKeyRecord).where(SigningKeyRecord.site_id == site.id)
                             .order_by(SigningKeyRecord.created_at.desc()).limit(10))),
        drinks=vending.get_policy(db=db, site=site),
        machines=vending.list_machines(db=db, site=site)))
