"""The staff console's own pages: Today (live) and the live feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from officegate.server.auth.models import Role, User
from officegate.server.console import today
from officegate.server.console.hub import CHANNEL, ConsoleHub
from officegate.server.console.lang import page_context
from officegate.server.db import utcnow
from officegate.server.deps import (
    SessionDep,
    StaffPageUser,
    StaffUser,
    StateDep,
    require_page_role,
)
from officegate.server.errors import NotFound
from officegate.server.sites.clock import page_clock

router = APIRouter(include_in_schema=False)
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


def get_hub(state: StateDep) -> ConsoleHub:
    """The console hub the runtime started (404 before it runs)."""
    hub = state.runtime.console if state.runtime is not None else None
    if hub is None:
        raise NotFound("no_console", "the console is not running", "コンソールが動いていません")
    return hub


HubDep = Annotated[ConsoleHub, Depends(get_hub)]


def _today(db: SessionDep, state: StateDep) -> dict[str, Any]:
    snap = today.snapshot(db=db, site=state.settings.site,
                          time_zone=page_clock(state.templates).name, now=utcnow())
    return {"t": snap, "site": state.settings.site, "site_name": state.settings.site_name}


@router.get("/staff", response_class=HTMLResponse)
def today_page(request: Request, db: SessionDep, state: StateDep,
               user: StaffPageUser) -> Response:
    """Today: the building at a glance for staff (hosts get their links)."""
    if user.role == Role.HOST:
        return state.templates.TemplateResponse(request, "console/home_host.html",
                                                page_context(request, user))
    return state.templates.TemplateResponse(request, "console/today.html",
                                            page_context(request, user, **_today(db, state)))


@router.get("/staff/today/panel", response_class=HTMLResponse)
def today_panel(request: Request, db: SessionDep, state: StateDep,
                user: StaffOnlyPage) -> Response:
    """The Today page's content alone (the page swaps it in when the feed says so)."""
    return state.templates.TemplateResponse(request, "console/today_panel.html",
                                            page_context(request, user, **_today(db, state)))


@router.get("/api/console/feed")
async def console_feed(hub: HubDep, _user: StaffUser) -> StreamingResponse:
    """Server-sent events for the console pages: ``alarm`` (new alarm or level),
    ``alarm_ack``, ``access`` (new log rows), ``today`` (the dashboard changed)."""
    return StreamingResponse(hub.feed.stream(CHANNEL), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

