"""The records the console's rows link to: one visit, one device."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from officegate.server.access import search as log
from officegate.server.alerts.models import Alert
from officegate.server.auth.models import Role, User
from officegate.server.checkin.models import CheckIn
from officegate.server.console.lang import page_context
from officegate.server.db import RowId
from officegate.server.deps import SessionDep, StateDep, require_page_role
from officegate.server.devices import profiles
from officegate.server.devices import service as devices
from officegate.server.devices.health import heartbeat_of
from officegate.server.errors import NotFound
from officegate.server.visits.models import Visit, Visitor, VisitorPass

router = APIRouter(include_in_schema=False)
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


@router.get("/staff/visits/{visit_id}", response_class=HTMLResponse)
def visit_page(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
               user: StaffOnlyPage) -> Response:
    """One visit: who, whose guest, when, where, its check-in, its pass and its log."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("unknown_visit", "no such visit", "来訪がありません")
    visitor = db.get(Visitor, visit.visitor_id)
    host = db.get(User, visit.host_id)
    checkin = db.scalar(select(CheckIn).where(CheckIn.visit_id == visit.id))
    current = db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit.id)
                        .order_by(VisitorPass.id.desc()).limit(1))
    rows = log.search(db=db, viewer=user, site=state.settings.site,
                      q=log.LogQuery(visit_id=visit.id, limit=100))
    return state.templates.TemplateResponse(request, "console/visit.html", page_context(
        request, user, visit=visit, visitor=visitor, host=host, checkin=checkin,
        pass_row=current, rows=rows))


@router.get("/staff/devices/{name}", response_class=HTMLResponse)
def device_page(name: str, request: Request, db: SessionDep, state: StateDep,
                user: StaffOnlyPage) -> Response:
    """One device: its state and mode (with the buttons to change it), its door rules, its
    open alarms and its latest log rows."""
    device = devices.get_device(db=db, name=name[:64])
    rules = profiles.rules_of(db=db, device=device)
    alarms = list(db.scalars(select(Alert).where(Alert.device == device.name)
                             .order_by(Alert.id.desc()).limit(10)))
    rows = log.search(db=db, viewer=user, site=state.settings.site,
                      q=log.LogQuery(device=device.name, limit=30))
    return state.templates.TemplateResponse(request, "console/device.html", page_context(
        request, user, d=devices.device_out(db=db, device=device), rules=rules,
        schedule=profiles.summary(rules), form=profiles.page_form_text(rules),
        beat=heartbeat_of(db=db, device=device), alarms=alarms, rows=rows))
