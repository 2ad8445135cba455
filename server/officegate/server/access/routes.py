"""The access log: JSON API and the staff pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from officegate.server.access import service
from officegate.server.access.labels import REASON_LABELS
from officegate.server.access.schemas import AccessEventOut, AccessFilter
from officegate.server.deps import InvitingUser, SessionDep, StaffPageUser, StateDep
from officegate.server.devices import service as devices
from officegate.server.sites.clock import page_clock

router = APIRouter()
FilterQuery = Annotated[AccessFilter, Query()]


@router.get("/api/access-events", response_model=list[AccessEventOut], tags=["access"])
def list_access_events(filters: FilterQuery, db: SessionDep, state: StateDep,
                       user: InvitingUser) -> list[AccessEventOut]:
    """Access events newest first; staff and admins see all, hosts their own visitors'.
    ``date`` is a day in the site's time zone."""
    return service.list_events(db=db, viewer=user, filters=filters,
                               time_zone=page_clock(state.templates).name)


@router.get("/staff/access", response_class=HTMLResponse, include_in_schema=False)
def access_log_page(request: Request, filters: FilterQuery, db: SessionDep, state: StateDep,
                    user: StaffPageUser) -> Response:
    """The access log page with filters by device, reason and day."""
    events = service.list_events(db=db, viewer=user, filters=filters,
                                 time_zone=page_clock(state.templates).name)
    names = sorted(set(service.known_devices(db=db))
                   | {d.name for d in devices.list_devices(db=db)})
    return state.templates.TemplateResponse(request, "access_log.html", {
        "user": user, "events": events, "filters": filters, "device_names": names,
        "reasons": list(REASON_LABELS.items()),
    })


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_home(request: Request, db: SessionDep, state: StateDep,
               user: StaffPageUser) -> Response:
    """The staff landing page: links and the devices with their status."""
    rows = [devices.device_out(db=db, device=d)
            for d in devices.list_devices(db=db, site=state.settings.site)]
    return state.templates.TemplateResponse(request, "staff.html", {
        "user": user, "devices": rows, "site": state.settings.site,
        "site_name": state.settings.site_name,
    })
