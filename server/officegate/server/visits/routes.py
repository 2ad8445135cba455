"""Invitations (staff side) and the visitor's pass page (no account)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import TemplateNotFound

from officegate.server.audit import service as audit
from officegate.server.auth import service as auth_service
from officegate.server.auth.models import Role
from officegate.server.db import RowId
from officegate.server.deps import InvitingUser, SessionDep, StaffUser, StateDep
from officegate.server.errors import Forbidden, InvalidInput, NotFound
from officegate.server.i18n import catalog, negotiate
from officegate.server.invitations import service as invitations
from officegate.server.sites import service as sites
from officegate.server.visits import pass_page, printed, scope, service
from officegate.server.visits.holder import HolderOnly, remember_device
from officegate.server.visits.schemas import (
    PassOpenIn,
    PassOpenOut,
    PassReboundOut,
    PassRevokedOut,
    PassStatusOut,
    PrintedPassOut,
    VisitCreatedOut,
    VisitIn,
)

router = APIRouter()


@router.post("/api/visits", response_model=VisitCreatedOut, status_code=201, tags=["visits"])
def create_visit(body: VisitIn, request: Request, db: SessionDep, state: StateDep,
                 user: InvitingUser) -> VisitCreatedOut:
    """Invite a visitor; answers with the pass link to send them (shown only this once)."""
    host = user
    if body.host and auth_service.normalize_email(body.host) != user.email:
        if user.role == Role.HOST:
            raise Forbidden("host_only_self", "hosts can invite only their own visitors",
                            "ホストは自分の来訪者のみ招待できます")
        found = auth_service.get_user_by_email(db=db, email=body.host)
        if found is None or not found.active:
            raise InvalidInput("unknown_host", f"no user {body.host[:80]!r} to host the visit",
                               f"ホスト {body.host[:80]!r} は登録されていません")
        host = found
    settings = state.settings
    site = sites.get_site(db=db, code=body.site or settings.site)
    # Checked against the names the service will sign; unknown names are its 422.
    service.check_places(db=db, site=site, zones=body.zones, doors=body.doors)
    scope.check_scope(db=db, site=site, user=user, zones=body.zones, doors=body.doors)
    invited = invitations.invite(
        db=db, ctx=invitations.context(settings, site=site.code), host=host,
        guest=invitations.Guest(name=body.visitor_name, email=body.visitor_email,
                                phone=body.visitor_phone, company=body.visitor_company,
                                lang=body.visitor_lang),
        starts_at=body.starts_at, ends_at=body.ends_at, zones=body.zones, doors=body.doors,
        room=body.room, directions=body.directions, note=body.note, source="api")
    audit.record(db, who=audit.actor_of(request, user), action="visit.invite",
                 target=f"visit:{invited.visit.id}",  # the visitor by id: the log outlives names
                 after={"host": host.email, "on_behalf": host.id != user.id,
                        "pass_id": invited.pass_id, "zones": body.zones, "doors": body.doors,
                        "held": invited.held})
    db.commit()  # subscribers read the visit from their own sessions
    invitations.announce(state.journey, [invited])
    row = service.get_pass(db=db, pass_id=invited.pass_id)
    return VisitCreatedOut(
        visit_id=invited.visit.id, pass_id=invited.pass_id, pass_url=invited.pass_url,
        status="held" if invited.held else "invited",
        valid_from=row.valid_from, valid_until=row.valid_until,
    )


@router.post("/api/passes/{pass_id}/revoke", response_model=PassRevokedOut, tags=["visits"])
def revoke_pass(pass_id: str, request: Request, db: SessionDep, state: StateDep,
                user: StaffUser) -> PassRevokedOut:
    """Revoke a pass (staff); the new revocation list is published retained at once."""
    row, site = service.revoke_pass(db=db, pass_id=pass_id)
    audit.record(db, who=audit.actor_of(request, user), action="pass.revoke",
                 target=f"pass:{row.pass_id}", after={"visit_id": row.visit_id})
    out = PassRevokedOut(pass_id=row.pass_id, revoked_at=row.revoked_at or row.created_at,
                         revocations_version=site.revocations_version)
    db.commit()  # edges must never hear of a revocation the database could still lose
    if state.bridge is not None:
        state.bridge.publish_revocations()
    return out


PASS_PAGE_PRELOAD = ", ".join((
    "</static/passdevice.js>; rel=preload; as=script",
    "</static/pass-bundle.js>; rel=preload; as=script",
    "</static/pass.css>; rel=preload; as=style"))


@router.get("/p/{token}", response_class=HTMLResponse, include_in_schema=False)
def pass_page_html(token: str, request: Request, db: SessionDep, state: StateDep) -> Response:
    """The visitor's pass page (the browser then calls the /api/p/{token} endpoints)."""
    try:
        pass_page.find_pass(db=db, token=token)
        status = 200
    except NotFound:
        status = 404  # the page still renders and explains, in both languages
    try:
        return state.templates.TemplateResponse(
            request, "pass.html", {"token": token, "lang": negotiate.choose(request),
                                   "languages": catalog.LANGUAGES}, status_code=status,
            # The URL is the pass: keep it out of referrers and search engines. What the QR
            # needs is fetched as soon as these headers arrive, before the page is read.
            headers={"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
                     "Link": PASS_PAGE_PRELOAD})
    except TemplateNotFound:
        return HTMLResponse("<h1>The pass page is not installed</h1>", status_code=503)


@router.post("/api/p/{token}/open", response_model=PassOpenOut, tags=["pass page"])
def open_pass(token: str, body: PassOpenIn, db: SessionDep, state: StateDep,
              response: Response) -> PassOpenOut:
    """Bind the link to this phone (first one wins) and return the pass and its code secret;
    a cookie names the phone on the page's later calls (see visits/holder.py)."""
    out = pass_page.open_pass(db=db, token=token, device_id=body.device_id,
                              keyring=state.settings.keyring)
    remember_device(response, body.device_id, secure=state.settings.secure_cookies)
    return out


@router.get("/api/p/{token}/status", response_model=PassStatusOut, tags=["pass page"],
            dependencies=[HolderOnly])
def pass_status(token: str, db: SessionDep) -> PassStatusOut:
    """Cheap poll for the pass page: revoked, expired, checked in, last access."""
    return pass_page.pass_status(db=db, token=token)


@router.post("/api/visits/{visit_id}/printed-pass", response_model=PrintedPassOut,
             status_code=201, tags=["visits"])
def create_printed_pass(visit_id: RowId, request: Request, db: SessionDep, state: StateDep,
                        user: StaffUser) -> PrintedPassOut:
    """Staff issue a printed (static) pass for a visitor without a phone.

    Only doors configured with ``allow_static`` accept it; it can be revoked on its own.
    """
    row = printed.issue_printed_pass(db=db, visit_id=visit_id, keyring=state.settings.keyring,
                                     key_alg=state.settings.key_alg)
    audit.record(db, who=audit.actor_of(request, user), action="pass.printed",
                 target=f"pass:{row.pass_id}", after={"visit_id": visit_id})
    return PrintedPassOut(pass_id=row.pass_id, visit_id=visit_id,
                          image_url=f"/api/passes/{row.pass_id}/printed.png",
                          valid_from=row.valid_from, valid_until=row.valid_until)


@router.post("/api/passes/{pass_id}/rebind", response_model=PassReboundOut, tags=["visits"])
def rebind_pass(pass_id: str, request: Request, db: SessionDep,
                user: StaffUser) -> PassReboundOut:
    """Release a pass from the phone it is bound to (staff: a visitor's new or lost phone);
    the next phone that opens the link gets it."""
    row = service.get_pass(db=db, pass_id=pass_id)
    had = row.bound_device_hash is not None
    row.bound_device_hash = None
    audit.record(db, who=audit.actor_of(request, user), action="pass.rebind",
                 target=f"pass:{row.pass_id}", before={"bound": had}, after={"bound": False})
    return PassReboundOut(pass_id=row.pass_id, was_bound=had)


@router.get("/api/passes/{pass_id}/printed.png", tags=["visits"])
def printed_pass_png(pass_id: str, db: SessionDep, _user: StaffUser) -> Response:
    """The printable QR of a pass, as PNG (staff only: it is the pass itself)."""
    return Response(printed.printed_pass_png(db=db, pass_id=pass_id),
                    media_type="image/png", headers={"Cache-Control": "no-store"})
