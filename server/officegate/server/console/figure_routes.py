"""The figures page (pictures with their numbers) and its CSV files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from officegate.server.auth.models import Role, User
from officegate.server.console import charts, figures
from officegate.server.console.forms import FieldError
from officegate.server.console.lang import page_context, request_lang, translator
from officegate.server.db import utcnow
from officegate.server.deps import SessionDep, StateDep, require_page_role
from officegate.server.http.openapi import CSV
from officegate.server.localtime import local_today
from officegate.server.messaging.metrics import DEFINITIONS
from officegate.server.sites.clock import page_clock

router = APIRouter(include_in_schema=False)
StaffOnlyPage = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]
Day = Annotated[str | None, Query(max_length=10)]


def _day(field: str, text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(field, "bad_day", "Not a day: use the date picker.",
                         "日付の形式が正しくありません。") from None


def _period(start: str | None, end: str | None, time_zone: str) -> tuple[date, date]:
    today = local_today(time_zone, utcnow())
    last = _day("end", end, today)
    first = _day("start", start, last - timedelta(days=6))
    if first > last:
        raise FieldError("end", "bad_range", "The start is after the end.",
                         "開始が終了より後になっています。")
    if (last - first).days >= figures.MAX_DAYS:
        raise FieldError("start", "too_long", "At most a year at a time.",
                         "期間は最長1年です。")
    return first, last


@router.get("/staff/figures", response_class=HTMLResponse)
def figures_page(request: Request, db: SessionDep, state: StateDep, user: StaffOnlyPage,
                 start: Day = None, end: Day = None) -> Response:
    """Occupancy heat map, room utilisation and no-shows, visit funnel, messaging figures."""
    time_zone = page_clock(state.templates).name
    errors: dict[str, str] = {}
    try:
        first, last = _period(start, end, time_zone)
    except FieldError as exc:
        errors[exc.field] = exc.message_en
        first, last = _period(None, None, time_zone)
    data = figures.compute(db=db, site=state.settings.site, first=first, last=last,
                           time_zone=time_zone, now=utcnow())
    _ = translator(request_lang(request, user))
    heat = charts.heatmap(data.heat, row_labels=[_(d) for d in figures.WEEKDAYS],
                          title=_("Rooms in use by weekday and hour"),
                          desc=_("Room-hours in use in each hour of each weekday, all rooms."),
                          unit=_("room-hours"))
    rooms = charts.bars([(r.label, r.utilisation or 0.0, _pct(r.utilisation))
                         for r in data.rooms], title=_("Utilisation"),
                        desc=_("Hours in use over hours booked, per room."), top=1.0)
    steps = list(data.funnel.items())
    funnel = charts.bars([(_(k), float(v), str(v)) for k, v in steps], title=_("Visit funnel"),
                         desc=_("How many visits reached each step."))
    return state.templates.TemplateResponse(request, "console/figures.html", page_context(
        request, user, data=data, heat=heat, rooms_chart=rooms, funnel_chart=funnel,
        errors=errors, start=start or first.isoformat(), end=end or last.isoformat(),
        weekdays=figures.WEEKDAYS, definitions=DEFINITIONS, pct=_pct,
        query=f"start={first.isoformat()}&end={last.isoformat()}"),
        status_code=422 if errors else 200)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@router.get("/staff/figures.csv", response_class=Response, responses=CSV)
def figures_csv(db: SessionDep, state: StateDep, _user: StaffOnlyPage,
                table: Literal["heatmap", "rooms", "funnel", "messaging"] = "rooms",
                start: Day = None, end: Day = None) -> Response:
    """One of the page's figures as CSV (English column names, site-local days)."""
    time_zone = page_clock(state.templates).name
    first, last = _period(start, end, time_zone)
    data = figures.compute(db=db, site=state.settings.site, first=first, last=last,
                           time_zone=time_zone, now=utcnow())
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "heatmap":
        writer.writerow(["weekday", *[f"{h:02d}" for h in range(24)]])
        for name, row in zip(figures.WEEKDAYS, data.heat, strict=True):
            writer.writerow([name, *row])
    elif table == "rooms":
        writer.writerow(["room", "meetings", "no_shows", "no_show_rate", "booked_hours",
                         "used_hours", "utilisation"])
        for r in data.rooms:
            writer.writerow([r.name, r.meetings, r.no_shows, r.no_show_rate, round(r.booked_h, 2),
                             round(r.used_h, 2), r.utilisation])
    elif table == "funnel":
        writer.writerow(["step", "visits"])
        writer.writerows(data.funnel.items())
    else:
        writer.writerow(["figure", "value", "unit", "definition"])
        assert data.messaging is not None
        values = data.messaging.model_dump(exclude={"funnel"})
        for name, (unit, definition) in DEFINITIONS.items():
            writer.writerow([name, values.get(name), unit, definition])
    name = f"{table}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
