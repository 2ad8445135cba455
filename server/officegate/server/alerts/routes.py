"""Alarms: the API (list, acknowledge, policy) and the staff pages (open alarms, history,
one alarm, who is on duty)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.alerts import policy as policies
from officegate.server.alerts import service as alerts
from officegate.server.alerts.models import Alert
from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.forms import local_path
from officegate.server.console.lang import page_context
from officegate.server.db import RowId
from officegate.server.deps import AdminUser, SessionDep, StaffUser, StateDep, require_page_role
from officegate.server.http.openapi import APPRISE_URL

router = APIRouter()
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


class AlertOut(BaseModel):
    """An alarm as the API shows it."""

    id: int
    kind: str
    severity: str
    device: str | None
    detail: str
    at: datetime
    by_user: str | None
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    level: int


class PolicyIn(BaseModel):
    """How the site's alarms travel, and who is on duty."""

    model_config = ConfigDict(extra="forbid")

    escalate_minutes: int = Field(default=5, ge=1, le=240)
    max_level: int = Field(default=3, ge=0, le=10)
    email: bool = True
    apprise_urls: list[Annotated[str, Field(json_schema_extra=APPRISE_URL)]] | None = Field(
        default=None, max_length=10, description="Site-level apprise URLs; omitted: keep "
        "the saved ones, []: none.")
    on_duty: list[int] = Field(default_factory=list, max_length=500)


class PolicyOut(BaseModel):
    """The saved policy (apprise URLs shown only by scheme: they may hold secrets)."""

    escalate_minutes: int
    max_level: int
    email: bool
    targets: list[str]
    on_duty: list[str]


def _out(alert: Alert) -> AlertOut:
    return AlertOut(id=alert.id, kind=alert.kind, severity=alert.severity, device=alert.device,
                    detail=alert.detail, at=alert.at, by_user=alert.by_user,
                    resolved_at=alert.resolved_at, acknowledged_at=alert.acknowledged_at,
                    acknowledged_by=alert.acknowledged_by, level=alert.level)


def _acknowledge(request: Request, db: SessionDep, state: StateDep, user: User,
                 alert_id: int) -> Alert:
    alert, first = alerts.acknowledge(db=db, site=state.settings.site, alert_id=alert_id,
                                      by=user.email)
    if first:
        audit.record(db, who=audit.actor_of(request, user), action="alarm.acknowledge",
                     target=f"alarm:{alert.id}", after={"kind": alert.kind})
    db.commit()
    hub = state.runtime.console if state.runtime is not None else None
    if first and hub is not None:
        hub.announce({"type": "alarm_ack", "id": alert.id, "by": user.email})
    return alert


@router.get("/api/alerts", response_model=list[AlertOut], tags=["alarms"])
def list_alerts(db: SessionDep, state: StateDep, _user: StaffUser,
                open_only: bool = False,
                before: Annotated[RowId | None, Query()] = None) -> list[AlertOut]:
    """Alarms newest first (``open_only``: waiting for a person); page with ``before``."""
    site = state.settings.site
    rows = alerts.open_alarms(db=db, site=site) if open_only else \
        alerts.history(db=db, site=site, before=before)
    return [_out(a) for a in rows]


@router.post("/api/alerts/{alert_id}/ack", response_model=AlertOut, tags=["alarms"])
def acknowledge(alert_id: RowId, request: Request, db: SessionDep, state: StateDep,
                user: StaffUser) -> AlertOut:
    """Take the alarm: records who and when, stops its escalation."""
    return _out(_acknowledge(request, db, state, user, alert_id))


@router.put("/api/alerts/policy", response_model=PolicyOut, tags=["alarms"])
def put_policy(body: PolicyIn, request: Request, db: SessionDep, state: StateDep,
               admin: AdminUser) -> PolicyOut:
    """Set escalation, e-mail, the site's apprise targets and the duty roster (admin)."""
    site = state.settings.site
    urls = body.apprise_urls if body.apprise_urls is not None else \
        policies.apprise_urls(policies.get_policy(db=db, site=site))
    row = policies.set_policy(db=db, site=site,
                              escalate_minutes=body.escalate_minutes, max_level=body.max_level,
                              email=body.email, urls=urls,
                              outbound=state.settings.outbound_policy)
    duty = policies.set_duty(db=db, user_ids=body.on_duty)
    audit.record(db, who=audit.actor_of(request, admin), action="alarm.policy",
                 target=f"site:{site}", after={
                     "escalate_minutes": row.escalate_minutes, "max_level": row.max_level,
                     "email": row.email, "targets": len(policies.apprise_urls(row)),
                     "on_duty": [u.id for u in duty]})
    return PolicyOut(escalate_minutes=row.escalate_minutes, max_level=row.max_level,
                     email=row.email, on_duty=[u.email for u in duty],
                     targets=[u.split("://", 1)[0] + "://…" for u in policies.apprise_urls(row)])


@router.get("/staff/alarms", response_class=HTMLResponse, include_in_schema=False)
def alarms_page(request: Request, db: SessionDep, state: StateDep, user: StaffOnlyPage,
                before: Annotated[RowId | None, Query()] = None,
                severity: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """Open alarms (live) and the history, 50 at a time."""
    site = state.settings.site
    history = alerts.history(db=db, site=site, before=before, severity=severity)
    return state.templates.TemplateResponse(request, "console/alarms.html", page_context(
        request, user, open=alerts.open_alarms(db=db, site=site), history=history,
        before=before, severity=severity if severity in alerts.SEVERITIES else None,
        older=history[-1].id if len(history) == 50 else None,
        severities=alerts.SEVERITIES))


@router.get("/staff/alarms/panel", response_class=HTMLResponse, include_in_schema=False)
def alarms_panel(request: Request, db: SessionDep, state: StateDep,
                 user: StaffOnlyPage) -> Response:
    """The open alarms alone (the page swaps them in when the feed says so)."""
    return state.templates.TemplateResponse(request, "console/alarms_open.html", page_context(
        request, user, open=alerts.open_alarms(db=db, site=state.settings.site)))


@router.get("/staff/alarms/settings", response_class=HTMLResponse, include_in_schema=False)
def alarm_settings_page(request: Request, db: SessionDep, state: StateDep,
                        user: StaffOnlyPage) -> Response:
    """Who hears of alarms, escalation and e-mail (admins change it)."""
    policy = policies.get_policy(db=db, site=state.settings.site)
    duty = {u.id for u in policies.on_duty(db=db)}
    return state.templates.TemplateResponse(request, "console/alarm_settings.html", page_context(
        request, user, policy=policy, staff=policies.staff_members(db=db), duty=duty,
        targets=[u.split("://", 1)[0] + "://…" for u in policies.apprise_urls(policy)]))


@router.get("/staff/alarms/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
def alarm_page(alert_id: RowId, request: Request, db: SessionDep, state: StateDep,
               user: StaffOnlyPage) -> Response:
    """One alarm: what, where, when, who acknowledged, escalation."""
    alert = alerts.get_alert(db=db, site=state.settings.site, alert_id=alert_id)
    return state.templates.TemplateResponse(request, "console/alarm.html",
                                            page_context(request, user, a=alert))


@router.post("/staff/alarms/{alert_id}/ack", include_in_schema=False)
def acknowledge_from_page(alert_id: RowId, request: Request, db: SessionDep, state: StateDep,
                          user: StaffOnlyPage,
                          next: Annotated[str, Form(max_length=300)] = "") -> Response:
    """The "Acknowledge" button; back to the page it was pressed on."""
    _acknowledge(request, db, state, user, alert_id)
    return RedirectResponse(local_path(next, f"/staff/alarms/{alert_id}"), status_code=303)
