"""Meeting-occupancy log: JSON API, CSV export and the staff page per room and day."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role
from officegate.server.db import utcnow
from officegate.server.deps import SessionDep, StaffPageUser, StaffUser, StateDep
from officegate.server.errors import Forbidden, InvalidInput
from officegate.server.http.openapi import CSV
from officegate.server.localtime import local_today
from officegate.server.meetings import service as meetings
from officegate.server.meetings.schemas import MeetingOut
from officegate.server.occupancy import jobs
from officegate.server.occupancy.log import RoomDay, room_day, to_csv
from officegate.server.sites import service as sites

router = APIRouter()


class FiguresOut(BaseModel):
    """Room-booking figures of one room and day."""

    booked_hours: float
    used_hours: float
    utilisation: float | None
    meetings: int
    no_shows: int
    no_show_rate: float | None
    average_late_start_minutes: float | None
    peak_occupancy: int


class RoomDayOut(BaseModel):
    """The occupancy log of one room and day."""

    room: str
    day: date
    time_zone: str
    meetings: list[MeetingOut]
    walk_ins: list[tuple[datetime, datetime]]
    figures: FiguresOut


class SweepOut(BaseModel):
    """How many journey events a sweep produced (starts, ends, no-shows)."""

    events: int


def _parse_day(day: str) -> date:
    try:
        parsed = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("bad_day", "day must be YYYY-MM-DD",
                           "日付は YYYY-MM-DD 形式にしてください") from None
    if not 1970 <= parsed.year <= 2999:  # 9999-12-31 has no next day to end at
        raise InvalidInput("bad_day", "day must be between 1970 and 2999",
                           "日付は1970年から2999年の間にしてください")
    return parsed


def _room_day(db: Session, room: str, day: str) -> RoomDay:
    row = meetings.get_room(db=db, name=room)
    return room_day(db=db, room=row, day=_parse_day(day), now=utcnow(),
                    time_zone=sites.time_zone_of(db=db, site_id=row.site_id))


@router.get("/api/occupancy/{room}/{day}", response_model=RoomDayOut, tags=["occupancy"])
def room_day_api(room: str, day: str, db: SessionDep, _user: StaffUser) -> RoomDayOut:
    """One room's day (a calendar day in the site's time zone): meetings with actual
    start/end and attendees, walk-ins, figures."""
    data = _room_day(db, room, day)
    return RoomDayOut(room=data.room.name, day=data.day, time_zone=data.time_zone,
                      meetings=data.meetings, walk_ins=data.walk_ins,
                      figures=FiguresOut.model_validate(data.figures, from_attributes=True))


@router.get("/api/occupancy/{room}/{day}/csv", tags=["occupancy"], response_class=Response,
             responses=CSV)
def room_day_csv(room: str, day: str, request: Request, db: SessionDep,
                 user: StaffUser) -> Response:
    """The same day as CSV (one line per meeting and walk-in)."""
    data = _room_day(db, room, day)
    audit.record(db, who=audit.actor_of(request, user), action="export.csv",
                 target=f"occupancy:{data.room.name}:{data.day.isoformat()}")
    name = f"occupancy-{data.room.name}-{data.day.isoformat()}.csv"
    return Response(to_csv(data), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/api/occupancy/sweep", response_model=SweepOut, tags=["occupancy"])
def sweep_now(state: StateDep, _user: StaffUser) -> SweepOut:
    """Judge started meetings now (the background sweep does this every few seconds)."""
    return SweepOut(events=jobs.run_sweep(state, state.settings.meetings))


@router.get("/staff/occupancy", response_class=HTMLResponse, include_in_schema=False)
def occupancy_page(request: Request, db: SessionDep, state: StateDep, user: StaffPageUser,
                   room: str | None = None, day: str | None = None) -> Response:
    """The staff timeline of one room and day, with figures and a CSV link."""
    if user.role == Role.HOST:
        raise Forbidden("staff_only", "the occupancy log is for facility staff",
                        "会議室利用ログは施設スタッフ向けです")
    rooms = meetings.list_rooms(db=db)
    chosen = meetings.get_room(db=db, name=room) if room else (rooms[0] if rooms else None)
    zone = (sites.time_zone_of(db=db, site_id=chosen.site_id) if chosen
            else sites.time_zone_of_code(db=db, code=state.settings.site))
    the_day = _parse_day(day) if day else local_today(zone)
    data = (room_day(db=db, room=chosen, day=the_day, now=utcnow(), time_zone=zone)
            if chosen else None)
    return state.templates.TemplateResponse(request, "occupancy_day.html", {
        "user": user, "rooms": rooms, "room": chosen, "day": the_day, "data": data})
