"""Who is on site (staff): live list, evacuation roll call from a phone, CSV export."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.db import RowId
from officegate.server.deps import SessionDep, StaffPageUser, StaffUser, StateDep
from officegate.server.errors import Forbidden
from officegate.server.onsite import service as onsite

router = APIRouter(tags=["on site"])


class PersonOut(BaseModel):
    """One person in the building."""

    person: str
    kind: str
    name: str
    host_name: str
    room: str
    since: datetime | None
    safe_at: datetime | None


class RollCallOut(BaseModel):
    """A roll call and everyone it must account for."""

    id: int
    started_at: datetime
    ended_at: datetime | None
    people: list[PersonOut]
    missing: int


class MarkIn(BaseModel):
    """Mark a person safe."""

    model_config = ConfigDict(extra="forbid")
    person: str = Field(max_length=24)


def _people(rows: list[onsite.Person]) -> list[PersonOut]:
    return [PersonOut(person=p.person, kind=p.kind, name=p.name, host_name=p.host_name,
                      room=p.room, since=p.since, safe_at=p.safe_at) for p in rows]


def _rollcall_out(db: SessionDep, site: str, call_id: int) -> RollCallOut:
    call = onsite._call(db, call_id)
    people = _people(onsite.roll(db=db, site=site, rollcall_id=call.id))
    return RollCallOut(id=call.id, started_at=call.started_at, ended_at=call.ended_at,
                       people=people, missing=sum(1 for p in people if p.safe_at is None))


@router.get("/api/onsite", response_model=list[PersonOut])
def who_is_on_site(db: SessionDep, state: StateDep, _user: StaffUser) -> list[PersonOut]:
    """Everyone checked in and not out, with their hosts."""
    return _people(onsite.on_site(db=db, site=state.settings.site))


@router.get("/api/onsite.csv", include_in_schema=False)
def on_site_csv(request: Request, db: SessionDep, state: StateDep,
                user: StaffUser) -> Response:
    """The list (with the current roll call's marks) as CSV."""
    site = state.settings.site
    audit.record(db, who=audit.actor_of(request, user), action="export.csv", target="onsite")
    call = onsite.active_rollcall(db=db, site=site)
    rows = (onsite.roll(db=db, site=site, rollcall_id=call.id) if call
            else onsite.on_site(db=db, site=site))
    return Response("\ufeff" + onsite.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="onsite.csv"'})


@router.post("/api/rollcalls", response_model=RollCallOut, status_code=201)
def start_rollcall(request: Request, db: SessionDep, state: StateDep,
                   user: StaffUser) -> RollCallOut:
    """Start an evacuation roll call (or return the one in progress)."""
    call = onsite.start_rollcall(db=db, site=state.settings.site, user=user)
    audit.record(db, who=audit.actor_of(request, user), action="rollcall.start",
                 target=f"rollcall:{call.id}")
    return _rollcall_out(db, state.settings.site, call.id)


@router.get("/api/rollcalls/{rollcall_id}", response_model=RollCallOut)
def get_rollcall(rollcall_id: RowId, db: SessionDep, state: StateDep,
                 _user: StaffUser) -> RollCallOut:
    """A roll call with who is still missing."""
    return _rollcall_out(db, state.settings.site, rollcall_id)


@router.post("/api/rollcalls/{rollcall_id}/safe", response_model=RollCallOut)
def mark_safe(rollcall_id: RowId, body: MarkIn, db: SessionDep, state: StateDep,
              user: StaffUser) -> RollCallOut:
    """Mark someone safe (from a staff phone)."""
    onsite.mark_safe(db=db, rollcall_id=rollcall_id, person=body.person, user=user)
    return _rollcall_out(db, state.settings.site, rollcall_id)


@router.post("/api/rollcalls/{rollcall_id}/end", response_model=RollCallOut)
def end_rollcall(rollcall_id: RowId, request: Request, db: SessionDep, state: StateDep,
                 user: StaffUser) -> RollCallOut:
    """Close the roll call."""
    onsite.end_rollcall(db=db, rollcall_id=rollcall_id)
    audit.record(db, who=audit.actor_of(request, user), action="rollcall.end",
                 target=f"rollcall:{rollcall_id}")
    return _rollcall_out(db, state.settings.site, rollcall_id)


def _staff(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.STAFF):
        raise Forbidden("forbidden", "staff only", "スタッフ専用です")


@router.get("/staff/onsite", response_class=HTMLResponse, include_in_schema=False)
def onsite_page(request: Request, db: SessionDep, state: StateDep,
                user: StaffPageUser) -> Response:
    """Who is on site, and the evacuation roll call (works on a phone)."""
    _staff(user)
    site = state.settings.site
    call = onsite.active_rollcall(db=db, site=site)
    people = onsite.roll(db=db, site=site, rollcall_id=call.id) if call else onsite.on_site(
        db=db, site=site)
    return state.templates.TemplateResponse(request, "onsite.html", page_context(
        request, user, people=people, rollcall=call,
        missing=sum(1 for p in people if p.safe_at is None)))
