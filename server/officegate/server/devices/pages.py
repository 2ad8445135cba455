"""The staff devices page (fleet health, alerts) and the staff door commands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.alerts import service as alerts
from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.deps import SessionDep, StaffUser, StateDep, require_page_role
from officegate.server.devices import commands, health, profiles
from officegate.server.devices import service as devices

router = APIRouter()
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


class UnlockIn(BaseModel):
    """A remote unlock request."""

    model_config = ConfigDict(extra="forbid")

    pulse_ms: int | None = Field(default=None, ge=50, le=30_000)


class SiteModeIn(BaseModel):
    """A site-wide door mode change."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(pattern="^(lockdown|emergency_unlock|normal)$")


class CommandOut(BaseModel):
    """What a staff command did."""

    devices: list[str]
    by: str


def _unlock(request: Request, db: SessionDep, state: StateDep, user: User, name: str,
            pulse_ms: int | None) -> CommandOut:
    device = commands.remote_unlock(db=db, name=name, user=user, site=state.settings.site,
                                    pulse_ms=pulse_ms)
    audit.record(db, who=audit.actor_of(request, user), action="device.unlock",
                 target=f"device:{device.name}", after={"pulse_ms": pulse_ms})
    db.commit()  # logged before the door opens
    if state.bridge is not None:
        command: dict[str, object] = {"command": "unlock"}
        if pulse_ms is not None:
            command["pulse_ms"] = pulse_ms
        state.bridge.send_command(device.name, command)
    return CommandOut(devices=[device.name], by=user.email)


def _site_mode(request: Request, db: SessionDep, state: StateDep, user: User,
               action: str) -> CommandOut:
    names = commands.set_site_mode(db=db, site=state.settings.site, action=action, user=user)
    audit.record(db, who=audit.actor_of(request, user), action=f"site.{action}",
                 target=f"site:{state.settings.site}", after={"devices": names})
    db.commit()
    if state.bridge is not None:
        for name in names:
            state.bridge.publish_device_config(name)
    return CommandOut(devices=names, by=user.email)


@router.post("/api/devices/{name}/unlock", response_model=CommandOut, tags=["devices"])
def unlock(name: str, body: UnlockIn, request: Request, db: SessionDep, state: StateDep,
           user: StaffUser) -> CommandOut:
    """Open one door or gate once (staff; refused during lockdown; logged with who)."""
    return _unlock(request, db, state, user, name, body.pulse_ms)


@router.post("/api/site/doors", response_model=CommandOut, tags=["devices"])
def site_doors(body: SiteModeIn, request: Request, db: SessionDep, state: StateDep,
               user: StaffUser) -> CommandOut:
    """Lock down, emergency-unlock or return every door to normal (staff; logged)."""
    return _site_mode(request, db, state, user, body.action)


@router.get("/staff/devices", response_class=HTMLResponse, include_in_schema=False)
def devices_page(request: Request, db: SessionDep, state: StateDep,
                 user: StaffOnlyPage) -> Response:
    """Every device: online/offline, last seen, heartbeat figures; recent alerts."""
    listed = devices.list_devices(db=db, site=state.settings.site)
    rows = [(devices.device_out(db=db, device=d), health.heartbeat_of(db=db, device=d))
            for d in listed]
    rules = {d.name: profiles.rules_of(db=db, device=d) for d in listed}
    schedules = {name: profiles.summary(r) for name, r in rules.items()}
    forms = {name: profiles.page_form_text(r) for name, r in rules.items()}
    recent = [(a, alerts.label(a.kind))
              for a in alerts.list_alerts(db=db, site=state.settings.site, limit=30)]
    return state.templates.TemplateResponse(request, "devices.html", page_context(
        request, user, rows=rows, alerts=recent, site=state.settings.site,
        schedules=schedules, forms=forms))


@router.post("/staff/devices/{name}/unlock", include_in_schema=False)
def unlock_from_page(name: str, request: Request, db: SessionDep, state: StateDep,
                     user: StaffOnlyPage) -> Response:
    """The devices page's "unlock" button."""
    _unlock(request, db, state, user, name, None)
    return RedirectResponse("/staff/devices", status_code=303)


@router.post("/staff/site/doors", include_in_schema=False)
def site_doors_from_page(action: Annotated[str, Form()], request: Request, db: SessionDep,
                         state: StateDep, user: StaffOnlyPage) -> Response:
    """The devices page's lockdown / emergency unlock / normal buttons."""
    _site_mode(request, db, state, user, action)  # set_site_mode refuses unknown actions (400)
    return RedirectResponse("/staff/devices", status_code=303)


@router.post("/staff/devices/{name}/rules", include_in_schema=False)
def rules_from_page(name: str, request: Request, db: SessionDep, state: StateDep,
                    user: StaffOnlyPage,
                    fail_mode: Annotated[str, Form()], timezone: Annotated[str, Form()],
                    hours: Annotated[str, Form(max_length=2000)] = "",
                    holidays: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    """The devices page's door rules form: fail mode, time zone, hours and holidays."""
    device = devices.get_device(db=db, name=name)
    changes = profiles.parse_page_form(hours, holidays)
    changes.update(fail_mode=fail_mode, timezone=timezone.strip())
    before = audit.snapshot(profiles.rules_of(db=db, device=device))
    after = profiles.set_rules(db=db, device=device, changes=changes)  # 422 with the field
    audit.record(db, who=audit.actor_of(request, user), action="device.rules",
                 target=f"device:{device.name}", before=before, after=audit.snapshot(after))
    db.commit()
    if state.bridge is not None:
        state.bridge.publish_device_config(device.name)
    return RedirectResponse("/staff/devices", status_code=303)
