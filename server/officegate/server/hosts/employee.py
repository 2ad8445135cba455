"""An employee's own passes: today's room-door QR for each meeting they attend (the same
rotating pass visitors carry; GET /api/meetings/{id}/pass hands it to their phone)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from officegate.server.db import utcnow
from officegate.server.deps import SessionDep, StaffPageUser, StateDep
from officegate.server.i18n import catalog, negotiate
from officegate.server.localtime import day_bounds, local_today
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.sites import service as sites

router = APIRouter()


@router.get("/me/passes", response_class=HTMLResponse, include_in_schema=False)
def my_passes(request: Request, db: SessionDep, state: StateDep,
              user: StaffPageUser) -> Response:
    """Today's meetings the signed-in employee attends, each with its room-door QR."""
    zone = sites.time_zone_of_code(db=db, code=state.settings.site)
    start, end = day_bounds(local_today(zone), zone)
    rows = db.execute(
        select(Meeting, Room).join(Attendee, Attendee.meeting_id == Meeting.id)
        .join(Room, Room.id == Meeting.room_id)
        .where(Attendee.user_id == user.id, Attendee.kind == "employee",
               Attendee.removed_at.is_(None), Meeting.status == "scheduled",
               Meeting.starts_at < end, Meeting.ends_at > max(start, utcnow()))
        .order_by(Meeting.starts_at)).all()
    return state.templates.TemplateResponse(request, "my_passes.html", {
        "user": user, "lang": negotiate.page_language(request, user.lang),
        "languages": catalog.STAFF_LANGUAGES,
        "meetings": [{"id": m.id, "title": m.title, "room": r.label, "starts_at": m.starts_at,
                      "ends_at": m.ends_at} for m, r in rows]})
