"""The audit log for admins: a JSON API, a page with search, a CSV and the chain's check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from officegate.server.audit import service
from officegate.server.auth.models import Role, User
from officegate.server.db import session_scope
from officegate.server.deps import AdminUser, SessionDep, StateDep, require_page_role
from officegate.server.i18n import negotiate
from officegate.server.localtime import zone
from officegate.server.sites.clock import page_clock

router = APIRouter()
AdminPage = Annotated[User, Depends(require_page_role(Role.ADMIN))]


class AuditFilter(BaseModel):
    """Search terms: free text (who, target, address, action), one action, days."""

    q: str = Field(default="", max_length=200)
    action: str = Field(default="", max_length=64)
    since: date | None = None
    until: date | None = None
    limit: int = Field(default=200, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=10**9)


class AuditOut(BaseModel):
    """One entry as an auditor reads it."""

    id: int
    at: datetime
    site: str
    actor: str
    role: str
    ip: str
    action: str
    target: str
    before: str
    after: str
    hash: str


class VerdictOut(BaseModel):
    """The chain's check: ok, how many entries, the first broken one."""

    ok: bool
    checked: int
    broken_id: int | None
    reason: str


FilterQuery = Annotated[AuditFilter, Query()]


def _bounds(filters: AuditFilter, zone: Any) -> dict[str, Any]:
    def start(day: date | None) -> datetime | None:
        return datetime.combine(day, time(), tzinfo=zone) if day else None

    until = start(filters.until + timedelta(days=1)) if filters.until else None
    return {"query": filters.q.strip(), "action": filters.action.strip(),
            "since": start(filters.since), "until": until}


def _out(e: service.AuditEntry) -> AuditOut:
    return AuditOut(id=e.id, at=e.at, site=e.site, actor=e.actor, role=e.role, ip=e.ip,
                    action=e.action, target=e.target, before=e.before, after=e.after,
                    hash=e.hash)


@router.get("/api/audit", response_model=list[AuditOut], tags=["audit"])
def list_audit(filters: FilterQuery, db: SessionDep, state: StateDep,
               _user: AdminUser) -> list[AuditOut]:
    """Audit entries newest first (admin); days are read in the site's time zone."""
    found = service.search(db, **_bounds(filters, zone(page_clock(state.templates).name)),
                           limit=filters.limit, offset=filters.offset)
    return [_out(e) for e in found]


@router.get("/api/audit/verify", response_model=VerdictOut, tags=["audit"])
def verify_audit(db: SessionDep, _user: AdminUser) -> VerdictOut:
    """Check the hash chain (admin): the first broken entry and why, or ok."""
    v = service.check_chain(db)
    return VerdictOut(ok=v.ok, checked=v.checked, broken_id=v.broken_id, reason=v.reason)


@router.get("/staff/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, filters: FilterQuery, db: SessionDep, state: StateDep,
               user: AdminPage) -> Response:
    """The audit log page: search, the chain's state, a CSV of what is shown."""
    lang = negotiate.page_language(request, user.lang)
    found = service.search(db, **_bounds(filters, zone(page_clock(state.templates).name)),
                           limit=filters.limit, offset=filters.offset)
    return state.templates.TemplateResponse(request, "audit.html", {
        "user": user, "entries": found, "filters": filters, "verdict": service.check_chain(db),
        "lang": lang, "query": request.url.query})


@router.get("/staff/audit.csv", include_in_schema=False)
def audit_csv(request: Request, filters: FilterQuery, db: SessionDep, state: StateDep,
              user: AdminPage) -> Response:
    """Every matching entry as CSV (cells that a spreadsheet would run are defused); the
    export itself is recorded first."""
    bounds = _bounds(filters, zone(page_clock(state.templates).name))
    service.record(db, who=service.actor_of(request, user), action="export.csv",
                   target="audit", after={"q": bounds["query"], "action": bounds["action"]})
    db.commit()

    def rows() -> Iterator[str]:
        with session_scope(state.sessions) as own:
            yield "\ufeff"  # spreadsheets then read UTF-8
            yield from service.csv_rows(service.iter_matching(own, **bounds))

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"'})
