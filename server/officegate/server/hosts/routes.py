"""Host pages (invite, my visits, one visit) and their API: list, read and act on visits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from babel.dates import format_date, format_time
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server import localtime
from officegate.server.audit import service as audit
from officegate.server.auth.models import User
from officegate.server.db import RowId, utcnow
from officegate.server.deps import (
    InvitingUser,
    ServerState,
    SessionDep,
    StaffPageUser,
    StateDep,
)
from officegate.server.errors import Forbidden, NotFound
from officegate.server.hosts import actions, detail, views
from officegate.server.hosts.schemas import ConfirmIn, ResentOut, VisitDetail, VisitRow
from officegate.server.i18n import catalog, negotiate
from officegate.server.localtime import day_bounds, local_today
from officegate.server.meetings import service as meetings
from officegate.server.occupancy.jobs import publish_revocations
from officegate.server.sites import service as sites
from officegate.server.visits import printed, scope
from officegate.server.visits.models import VisitorPass

router = APIRouter()
Period = Literal["today", "upcoming", "past"]


@router.get("/api/visits", response_model=list[VisitRow], tags=["visits"])
def list_visits(db: SessionDep, state: StateDep, user: InvitingUser,
                period: Period = "today", q: str | None = None) -> list[VisitRow]:
    """Visits of today, upcoming or past (the site's calendar day), each with its live
    state; staff see every visit, hosts their own. ``q`` searches name, company, e-mail."""
    zone = sites.time_zone_of_code(db=db, code=state.settings.site)
    start, end = day_bounds(local_today(zone), zone)
    return views.list_visits(db=db, user=user, period=period, q=q, day_start=start,
                             day_end=end, now=utcnow())


@router.get("/api/visits/{visit_id}", response_model=VisitDetail, tags=["visits"])
def get_visit(visit_id: RowId, db: SessionDep, user: InvitingUser) -> VisitDetail:
    """One visit with its pass, arrival, check-in, meetings, drinks, messages and access."""
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    return detail.visit_detail(db=db, user=user, visit=visit, now=utcnow())


@router.post("/api/visits/{visit_id}/resend", response_model=ResentOut, tags=["visits"])
def resend(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
           user: InvitingUser) -> ResentOut:
    """Send the visitor a fresh pass link (the old link stops working)."""
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    url, event = actions.resend(db=db, visit=visit, settings=state.settings)
    audit.record(db, who=audit.actor_of(request, user), action="visit.resend",
                 target=f"visit:{visit.id}")
    db.commit()
    state.journey.publish(event)
    return ResentOut(visit_id=visit.id, pass_url=url)


@router.post("/api/visits/{visit_id}/rebind", response_model=ResentOut, tags=["visits"])
def rebind(visit_id: RowId, body: ConfirmIn, request: Request, db: SessionDep,
           state: StateDep, user: InvitingUser) -> ResentOut:
    """Let the visitor open the pass on a new phone, after the host confirmed who asks."""
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    url, event = actions.rebind(db=db, visit=visit, settings=state.settings,
                                confirmed=body.confirmed)
    audit.record(db, who=audit.actor_of(request, user), action="pass.rebind",
                 target=f"visit:{visit.id}")
    db.commit()
    publish_revocations(state)
    state.journey.publish(event)
    return ResentOut(visit_id=visit.id, pass_url=url)


@router.post("/api/visits/{visit_id}/cancel", response_model=VisitRow, tags=["visits"])
def cancel(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
           user: InvitingUser) -> VisitRow:
    """Cancel the visit: its pass is revoked and the doors told at once."""
    return _revoking(request, db, state, user, visit_id, actions.cancel, "visit.cancel")


@router.post("/api/visits/{visit_id}/revoke", response_model=VisitRow, tags=["visits"])
def revoke(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
           user: InvitingUser) -> VisitRow:
    """Revoke the visit's pass now (the doors refuse it as soon as they hear)."""
    return _revoking(request, db, state, user, visit_id, actions.revoke, "pass.revoke")


def _revoking(request: Request, db: Session, state: ServerState, user: User, visit_id: int,
              act: Callable[..., bool], action: str) -> VisitRow:
    """Run ``act`` on a visit the user may see (on the audit log as ``action`` when it
    changed something); tell the doors after the commit."""
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    changed = act(db=db, visit=visit)
    if changed:
        audit.record(db, who=audit.actor_of(request, user), action=action,
                     target=f"visit:{visit.id}")
    db.commit()
    if changed:
        publish_revocations(state)
    return detail.visit_detail(db=db, user=user, visit=visit, now=utcnow())


def _page(request: Request, state: StateDep, user: User, template: str,
          **extra: Any) -> Response:
    return state.templates.TemplateResponse(request, template, {
        "user": user, "lang": negotiate.page_language(request, user.lang),
        "languages": catalog.STAFF_LANGUAGES, **extra})


@router.get("/host/invite", response_class=HTMLResponse, include_in_schema=False)
def invite_page(request: Request, db: SessionDep, state: StateDep,
                user: StaffPageUser) -> Response:
    """Invite one or many visitors, with a room booking or zones."""
    site = sites.get_site(db=db, code=state.settings.site)
    grantable = scope.visitor_scope(db=db, site=site).zones
    if user.role in views.STAFF_ROLES:
        from officegate.server.sites.models import Zone

        grantable = tuple(db.scalars(select(Zone.name).where(Zone.site_id == site.id)
                                     .order_by(Zone.name)))
    return _page(request, state, user, "host_invite.html", rooms=meetings.list_rooms(db=db),
                 zones=grantable, visitor_languages=catalog.LANGUAGES)


@router.get("/host/visits", response_class=HTMLResponse, include_in_schema=False)
def visits_page(request: Request, state: StateDep, user: StaffPageUser) -> Response:
    """My visits: today, upcoming and past, updating live."""
    return _page(request, state, user, "host_visits.html")


@router.get("/host/visits/{visit_id}", response_class=HTMLResponse, include_in_schema=False)
def visit_page(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
               user: StaffPageUser) -> Response:
    """One visit: its pass and the actions on it, and everything that happened."""
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    return _page(request, state, user, "host_visit.html",
                 visit=detail.visit_detail(db=db, user=user, visit=visit, now=utcnow()))


@router.get("/host/visits/{visit_id}/printed/{pass_id}", response_class=HTMLResponse,
            include_in_schema=False)
def printed_pass_page(visit_id: RowId, pass_id: str, request: Request, db: SessionDep,
                      state: StateDep, user: StaffPageUser) -> Response:
    """A printed (static) pass to print for a visitor without a phone: its QR, the
    visitor, the day and the host, in one language (the visitor's, switchable). Staff only,
    as printing one is (``POST /api/visits/{id}/printed-pass``)."""
    if user.role not in views.STAFF_ROLES:
        raise Forbidden("staff_only", "only staff print passes",
                        "パスの印刷はスタッフのみ行えます")
    visit = views.visible_visit(db=db, user=user, visit_id=visit_id)
    row = db.scalar(select(VisitorPass).where(VisitorPass.pass_id == pass_id[:64],
                                              VisitorPass.visit_id == visit.id))
    if row is None or not printed.is_printed(row):
        raise NotFound("unknown_pass", "no such printed pass", "印刷用パスがありません")
    about = detail.visit_detail(db=db, user=user, visit=visit, now=utcnow())
    wanted = request.query_params.get("lang")
    lang = (wanted if wanted in catalog.LANGUAGES else about.lang
            if about.lang in catalog.LANGUAGES else negotiate.page_language(request, user.lang))
    request.state.og_lang = lang
    clock = localtime.clock_of(state.templates.env)
    zone = str(clock) if clock is not None else "UTC"
    start = localtime.to_local(about.starts_at, zone)
    end = localtime.to_local(about.ends_at, zone)
    return state.templates.TemplateResponse(request, "printed_pass.html", {
        "user": user, "lang": lang, "languages": catalog.LANGUAGES, "visit": about,
        # segno's own SVG of a Base45 text (no user data in it): safe to inline.
        "qr_svg": Markup(printed.printed_pass_svg(row)),  # noqa: S704
        "revoked": row.revoked_at is not None,
        "day": format_date(start, "full", locale=lang),
        "hours": f"{format_time(start, 'short', locale=lang)} – "
                 f"{format_time(end, 'short', locale=lang)}"})
