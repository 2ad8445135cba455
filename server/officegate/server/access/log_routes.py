"""The access log for investigation: page, JSON (keyset pages) and CSV of one search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from officegate.server.access import search as log
from officegate.server.access.export import rows_csv
from officegate.server.auth.models import User
from officegate.server.console.forms import FieldError, local_moment
from officegate.server.console.lang import page_context
from officegate.server.db import utcnow
from officegate.server.deps import InvitingUser, SessionDep, StaffPageUser, StateDep
from officegate.server.devices import service as devices
from officegate.server.http.openapi import CSV, CURSOR, LOCAL_MOMENT
from officegate.server.sites.clock import page_clock
from officegate.server.sites.models import Zone

router = APIRouter()
Decision = Literal["accepted", "denied", "exit", "alarm", "staff"] | log.Reason


class LogParams(BaseModel):
    """The search form (query parameters); times are the site's wall clock."""

    model_config = ConfigDict(extra="forbid")

    visitor: str | None = Field(default=None, max_length=100)
    host: str | None = Field(default=None, max_length=100)
    device: str | None = Field(default=None, max_length=64)
    zone: str | None = Field(default=None, max_length=64)
    decision: Decision | None = None
    start: str | None = Field(default=None, max_length=40, json_schema_extra=LOCAL_MOMENT)
    end: str | None = Field(default=None, max_length=40, json_schema_extra=LOCAL_MOMENT)
    after: str | None = Field(default=None, max_length=200, json_schema_extra=CURSOR)
    limit: int = Field(default=50, ge=1, le=500)
    lang: str | None = Field(default=None, max_length=5)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def query(self, time_zone: str) -> log.LogQuery:
        """The checked search (FieldError names the field that is wrong)."""
        start = local_moment("start", self.start, time_zone)
        end = local_moment("end", self.end, time_zone)
        if start is not None and end is not None and start >= end:
            raise FieldError("end", "bad_range", "The start is after the end.",
                             "開始が終了より後になっています。")
        decision = self.decision.value if isinstance(self.decision, log.Reason) \
            else self.decision
        return log.LogQuery(visitor=self.visitor, host=self.host, device=self.device,
                            zone=self.zone, decision=decision, start=start, end=end,
                            after=log.decode_cursor(self.after) if self.after else None,
                            limit=self.limit)


Params = Annotated[LogParams, Query()]


class LogRowOut(BaseModel):
    """One line of the log."""

    key: str
    at: datetime
    source: str
    kind: str
    decision: str
    label: str
    accepted: bool
    device: str
    zone: str
    visit_id: int | None
    visitor: str | None
    host: str | None
    detail: str
    by_user: str | None
    severity: str | None
    acknowledged: bool


class LogPage(BaseModel):
    """A page of the log and the cursor of the next (None at the end)."""

    rows: list[LogRowOut]
    next: str | None


def _out(row: log.LogRow) -> LogRowOut:
    return LogRowOut(key=row.key, at=row.at, source=row.source, kind=row.kind,
                     decision=row.code, label=row.label_en, accepted=row.accepted,
                     device=row.device, zone=row.zone, visit_id=row.visit_id,
                     visitor=row.visitor, host=row.host, detail=row.detail, by_user=row.by_user,
                     severity=row.severity, acknowledged=row.acknowledged)


def _page(db: SessionDep, user: User, site: str, q: log.LogQuery) -> tuple[list[log.LogRow],
                                                                          str | None]:
    rows = log.search(db=db, viewer=user, site=site, q=q)
    return rows, rows[-1].cursor if len(rows) == q.limit else None


@router.get("/api/access/log", response_model=LogPage, tags=["access"])
def access_log(params: Params, db: SessionDep, state: StateDep, user: InvitingUser) -> LogPage:
    """The log newest first: access decisions, exit presses, door alarms, staff door actions.
    Pass ``next`` back as ``after`` for the following page; times are site wall-clock."""
    q = params.query(page_clock(state.templates).name)
    rows, cursor = _page(db, user, state.settings.site, q)
    return LogPage(rows=[_out(r) for r in rows], next=cursor)


@router.get("/api/access/log.csv", tags=["access"], response_class=Response, responses=CSV)
def access_log_csv(params: Params, state: StateDep, user: InvitingUser) -> StreamingResponse:
    """Every row of the search as CSV (all pages; formula-like cells start with ')."""
    time_zone = page_clock(state.templates).name
    q = params.query(time_zone)
    name = f"access-log-{utcnow():%Y%m%dT%H%M%SZ}.csv"
    return StreamingResponse(
        rows_csv(sessions=state.sessions, viewer=user, site=state.settings.site, q=q,
                 time_zone=time_zone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/staff/access", response_class=HTMLResponse, include_in_schema=False)
def access_log_page(request: Request, params: Params, db: SessionDep, state: StateDep,
                    user: StaffPageUser) -> Response:
    """The access log page: search form, one page of rows, next page, CSV, live tail."""
    time_zone = page_clock(state.templates).name
    errors: dict[str, str] = {}
    rows: list[log.LogRow] = []
    cursor = None
    try:
        rows, cursor = _page(db, user, state.settings.site, params.query(time_zone))
    except FieldError as exc:
        errors[exc.field] = exc.message_en
    query = {k: v for k, v in params.model_dump(exclude={"after", "limit", "lang"}).items()
             if v is not None}
    if params.decision is not None:
        query["decision"] = str(getattr(params.decision, "value", params.decision))
    zones = sorted({z for z in db.scalars(Zone.__table__.select().with_only_columns(Zone.name))})
    return state.templates.TemplateResponse(
        request, "console/access_log.html", page_context(
            request, user, rows=rows, next_cursor=cursor, params=params, query=query,
            errors=errors, first_page=params.after is None,
            device_names=[d.name for d in devices.list_devices(db=db,
                                                               site=state.settings.site)],
            zones=zones, reasons=[r.value for r in log.Reason], decisions=log.DECISIONS,
            time_zone=time_zone),
        status_code=422 if errors else 200)


@router.get("/staff/access/rows", response_class=HTMLResponse, include_in_schema=False)
def access_log_rows(request: Request, params: Params, db: SessionDep, state: StateDep,
                    user: StaffPageUser) -> Response:
    """The first page's rows alone (the live tail prepends the ones it lacks)."""
    q = params.query(page_clock(state.templates).name)
    rows, _cursor = _page(db, user, state.settings.site, q)
    return state.templates.TemplateResponse(request, "console/access_rows.html",
                                            page_context(request, user, rows=rows))
