"""The staff side: a visitor's record (viewed on the record), erasure for a visitor,
requests with their state, and the site's retention (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.db import RowId, utcnow
from officegate.server.deps import AdminUser, SessionDep, StaffUser, StateDep, require_page_role
from officegate.server.errors import Conflict
from officegate.server.i18n import negotiate
from officegate.server.privacy import service
from officegate.server.privacy.export import kept_about
from officegate.server.privacy.jobs import republish_revocations, run_now
from officegate.server.privacy.policy import MAX_DAYS, MIN_DAYS, retention_of, set_retention
from officegate.server.privacy.visitor_routes import ErasedOut
from officegate.server.sites import service as sites

router = APIRouter(tags=["privacy"])
AdminPage = Annotated[User, Depends(require_page_role(Role.ADMIN))]
Days = Annotated[int, Field(ge=MIN_DAYS, le=MAX_DAYS)]


class RetentionIn(BaseModel):
    """A site's retention; only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    identity_days: Days | None = None
    access_days: Days | None = None
    arrival_days: Days | None = None
    audit_days: Days | None = None
    operator: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=254)


class RequestOut(BaseModel):
    """A subject access or erasure request and its state (the visitor by pseudonym)."""

    id: int
    subject: str
    kind: str
    source: str
    requested_by: str
    state: str
    counts: dict[str, int]
    created_at: datetime
    done_at: datetime | None


@router.get("/api/privacy/visits/{visit_id}")
def visitor_record(visit_id: RowId, request: Request, db: SessionDep,
                   user: StaffUser) -> dict[str, Any]:
    """What is kept about a visit's visitor (staff); the view is on the audit log."""
    visitor, _visit, site = service.visitor_of_visit(db=db, visit_id=visit_id)
    audit.record(db, who=audit.actor_of(request, user), action="visitor.view",
                 target=f"visit:{visit_id}")
    service.record_access(db=db, visitor=visitor, site=site, source="staff",
                          requested_by=user.email, now=utcnow())
    return kept_about(db=db, visitor=visitor, policy=retention_of(db=db, site=site))


@router.post("/api/privacy/visits/{visit_id}/erase", response_model=ErasedOut)
def erase_visitor(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
                  user: StaffUser) -> ErasedOut:
    """Erase a visitor on their request (staff); their passes end at every door."""
    visitor, _visit, site = service.visitor_of_visit(db=db, visit_id=visit_id)
    done = service.erase(db=db, visitor=visitor, site=site, source="staff",
                         requested_by=user.email, now=utcnow())
    audit.record(db, who=audit.actor_of(request, user), action="privacy.erase",
                 target=f"visit:{visit_id}", after=done.counts)
    db.commit()
    republish_revocations(state)
    return ErasedOut(state=done.state, counts=done.counts)


@router.get("/api/privacy/requests", response_model=list[RequestOut])
def requests(db: SessionDep, state: StateDep, _user: StaffUser) -> list[RequestOut]:
    """Subject access and erasure requests, newest first (staff)."""
    return [RequestOut(id=r.id, subject=r.subject, kind=r.kind, source=r.source,
                       requested_by=r.requested_by, state=r.state, counts=r.counts or {},
                       created_at=r.created_at, done_at=r.done_at)
            for r in service.list_requests(db=db, site=state.settings.site)]


@router.get("/api/privacy/retention")
def get_retention(db: SessionDep, state: StateDep, _user: AdminUser) -> dict[str, int | str]:
    """The site's retention (admin)."""
    return retention_of(db=db, site=sites.get_site(db=db, code=state.settings.site)).as_dict()


def _change(db: SessionDep, state: StateDep, request: Request, user: User,
            changes: dict[str, Any]) -> dict[str, int | str]:
    site = sites.get_site(db=db, code=state.settings.site)
    before = retention_of(db=db, site=site).as_dict()
    after = set_retention(db=db, site=site, changes=changes).as_dict()
    audit.record(db, who=audit.actor_of(request, user), action="settings.retention",
                 target=f"site:{site.code}", before=before, after=after)
    return after


@router.put("/api/privacy/retention")
def put_retention(body: RetentionIn, request: Request, db: SessionDep, state: StateDep,
                  user: AdminUser) -> dict[str, int | str]:
    """Change the site's retention (admin); on the audit log with before and after."""
    return _change(db, state, request, user, body.model_dump(exclude_none=True))


def _run_now(request: Request, db: SessionDep, state: StateDep, user: User) -> dict[str, int]:
    audit.record(db, who=audit.actor_of(request, user), action="retention.run_now",
                 target=f"site:{state.settings.site}")
    db.commit()  # the request is on the log even when a run is already under way
    return run_now(state).as_dict()


@router.post("/api/privacy/retention/run")
def run_retention_now(request: Request, db: SessionDep, state: StateDep,
                      user: AdminUser) -> dict[str, int]:
    """Apply retention now (admin) and say what was removed; 409 ``retention_running``
    while a run (scheduled or asked for) is under way on any server."""
    return _run_now(request, db, state, user)


@router.get("/staff/privacy", response_class=HTMLResponse, include_in_schema=False)
def settings_page(request: Request, db: SessionDep, state: StateDep,
                  user: AdminPage) -> Response:
    """The retention settings, "run now" and the latest requests (admin)."""
    return _page(request, db, state, user)


def _page(request: Request, db: SessionDep, state: StateDep, user: User, *,
          running: bool = False, status_code: int = 200) -> Response:
    site = sites.get_site(db=db, code=state.settings.site)
    ran = request.query_params.get("ran", "")
    return state.templates.TemplateResponse(request, "privacy_settings.html", {
        "user": user, "lang": _lang(request, user), "policy": retention_of(db=db, site=site),
        "requests": service.list_requests(db=db, site=site.code, limit=50),
        "min_days": MIN_DAYS, "max_days": MAX_DAYS,
        "saved": request.query_params.get("saved") == "1",
        "ran": int(ran) if ran.isdecimal() and len(ran) < 10 else None,
        "running": running}, status_code=status_code)


@router.post("/staff/privacy/run", include_in_schema=False)
def run_form(request: Request, db: SessionDep, state: StateDep, user: AdminPage) -> Response:
    """The page's "run now" button: back to the page with what was removed, or with a 409
    saying a run is already under way."""
    try:
        report = _run_now(request, db, state, user)
    except Conflict:
        return _page(request, db, state, user, running=True, status_code=409)
    removed = sum(v for k, v in report.items() if k != "audit_entries_deleted")
    return RedirectResponse(f"/staff/privacy?ran={removed}&lang={_lang(request, user)}",
                            status_code=303)


@router.post("/staff/privacy", include_in_schema=False)
def settings_form(request: Request, db: SessionDep, state: StateDep, user: AdminPage,
                  identity_days: Annotated[int, Form()], access_days: Annotated[int, Form()],
                  arrival_days: Annotated[int, Form()], audit_days: Annotated[int, Form()],
                  operator: Annotated[str, Form(max_length=200)] = "",
                  contact: Annotated[str, Form(max_length=254)] = "") -> Response:
    """The settings form (out-of-range days are a 422 naming the field)."""
    _change(db, state, request, user, {
        "identity_days": identity_days, "access_days": access_days,
        "arrival_days": arrival_days, "audit_days": audit_days, "operator": operator,
        "contact": contact})
    return RedirectResponse(f"/staff/privacy?saved=1&lang={_lang(request, user)}",
                            status_code=303)


def _lang(request: Request, user: User) -> str:
    """A staff page's language (ja or en): the address, the user's setting, the browser."""
    return negotiate.page_language(request, user.lang)
