"""Lobby check-in: the poster (staff), the check-in page and API (visitor), approvals."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.arrival import service as arrival
from officegate.server.arrival.routes import HubDep
from officegate.server.audit import service as audit
from officegate.server.auth.models import User
from officegate.server.bootstrap import session_secret
from officegate.server.checkin import poster
from officegate.server.checkin import service as checkin
from officegate.server.checkin.models import WatchEntry
from officegate.server.checkin.service import Outcome
from officegate.server.db import RowId, utcnow
from officegate.server.deps import CurrentUser, SessionDep, StaffPageUser, StaffUser, StateDep
from officegate.server.errors import Forbidden
from officegate.server.http.openapi import EMAIL_RULE, TEXT_RULE
from officegate.server.i18n import catalog, negotiate
from officegate.server.invitations import service as invitations
from officegate.server.sites import service as sites
from officegate.server.visits.holder import HolderOnly, check_holder
from officegate.server.visits.models import Visitor
from officegate.server.visits.pass_page import _pass_answer, find_pass
from officegate.server.visits.schemas import PassOpenOut

router = APIRouter(tags=["check-in"])


class CheckInIn(BaseModel):
    """What the check-in page sends: the poster's code and proof of holding the pass."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(max_length=64)
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    poster_code: str = Field(min_length=1, max_length=32)
    token: str = Field(max_length=64)
    code: str = Field(max_length=16, description="the pass's current rotating code")
    ack_version: str | None = Field(default=None, max_length=32)


class CheckInOut(BaseModel):
    """The result, and for a new pass its id (the page then re-opens the pass)."""

    status: str  # "checked_in" | "held" | "needs_ack"
    pass_id: str | None = None
    pass_replaced: bool = False
    room: str | None = None
    directions: str | None = None
    ack_version: str | None = None
    ack_text_en: str | None = None
    ack_text_ja: str | None = None
    # The pass the phone holds from now on (same shape as the open answer): the caller
    # proved it holds this link's pass with its rotating code, like the phone that opened it.
    new_pass: PassOpenOut | None = None
    # A hold at invitation approved ("cleared"): the fresh link, also sent to the visitor.
    pass_url: str | None = None


class DecisionIn(BaseModel):
    """A host's or staff member's decision on a held visitor."""

    model_config = ConfigDict(extra="forbid")
    allow: bool


class WatchIn(BaseModel):
    """A deny-list or watchlist entry."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [  # who it is
        {"required": [key], "properties": {key: {"type": "string", "minLength": 1}}}
        for key in ("name", "email")]})
    list: Literal["deny", "watch"]
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, json_schema_extra=EMAIL_RULE)
    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=TEXT_RULE)


class WatchOut(WatchIn):
    """A stored entry."""

    id: int


class CodeIn(BaseModel):
    """Proof of holding the pass (its current rotating code)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=16)


def after(hub: HubDep, outcome: Outcome, db: SessionDep, site: str) -> None:
    """After the commit: revocations to the edges, journey events to the host."""
    if outcome.replaced:
        hub.revocations_changed()
    record, visit = outcome.checkin, outcome.visit
    if outcome.status == "checked_in" and record is not None and outcome.new_pass is not None:
        visitor = db.get(Visitor, visit.visitor_id)
        hub.publish("checked_in", visit_id=visit.id, site=site, at=record.checked_in_at,
                    data={"pass_id": outcome.new_pass.pass_id, "host_id": visit.host_id,
                          "visitor_name": visitor.name if visitor else None,
                          "room": visit.room})
    elif outcome.status == "held" and record is not None:
        hub.publish("held_for_approval", visit_id=visit.id, site=site,
                    key=f"held_for_approval:{visit.id}:{record.held_at}",
                    # A deny-list reason never leaves staff; a watchlist note goes to the
                    # host, who decides on a watchlist match.
                    data={"reason": record.held_reason if record.held_list == "watch" else None,
                          "list": record.held_list, "host_id": visit.host_id})


@router.post("/api/checkin", response_model=CheckInOut)
def check_in(body: CheckInIn, request: Request, db: SessionDep, state: StateDep,
             hub: HubDep) -> CheckInOut:
    """Check in from the lobby poster (no account: the pass link and its code, from the
    phone holding the pass: 403 ``bound_to_other_device`` from another one)."""
    check_holder(db=db, request=request, token=body.token)
    db.commit()  # the binding of a first use, as on the other pass-page routes
    settings = state.settings
    outcome = checkin.check_in(
        db=db, token=body.token, code=body.code, site=body.site, day=body.day,
        poster_code=body.poster_code, secret=session_secret(settings),
        keyring=settings.keyring, key_alg=settings.key_alg, now=utcnow(),
        ack_version=body.ack_version)
    db.commit()
    after(hub, outcome, db, body.site)
    config, visit = outcome.config, outcome.visit
    if outcome.status == "needs_ack" and config is not None:
        return CheckInOut(status="needs_ack", ack_version=config.ack_version,
                          ack_text_en=config.ack_text_en, ack_text_ja=config.ack_text_ja)
    answer = None
    if outcome.status == "checked_in" and outcome.new_pass is not None:
        answer = _pass_answer(db=db, row=outcome.new_pass, keyring=settings.keyring)
    return CheckInOut(status=outcome.status,
                      pass_id=outcome.new_pass.pass_id if outcome.new_pass else None,
                      pass_replaced=outcome.replaced, room=visit.room,
                      directions=visit.directions, new_pass=answer)


@router.post("/api/p/{token}/checkout", tags=["pass page"], dependencies=[HolderOnly])
def check_out(token: str, body: CodeIn, db: SessionDep, state: StateDep,
              hub: HubDep) -> dict[str, str]:
    """The visitor checks out from the pass page."""
    row = find_pass(db=db, token=token)
    checkin._prove_possession(db, row, body.code, state.settings.keyring, utcnow())
    visit, site, _config = arrival.visit_of_pass(db=db, row=row)
    record = checkin.check_out(db=db, visit_id=visit.id, how="pass_page", now=utcnow())
    if record is None:
        return {"status": "not_checked_in"}
    db.commit()
    hub.revocations_changed()
    hub.publish("checked_out", visit_id=visit.id, site=site.code, data={"how": "pass_page"})
    return {"status": "checked_out"}


@router.post("/api/visits/{visit_id}/approval", response_model=CheckInOut)
def decide(visit_id: RowId, body: DecisionIn, request: Request, db: SessionDep,
           state: StateDep, hub: HubDep, user: CurrentUser) -> CheckInOut:
    """Let a held visitor in, or refuse (host for a watchlist match; staff always)."""
    settings = state.settings
    outcome = checkin.decide(db=db, visit_id=visit_id, user=user, allow=body.allow,
                             keyring=settings.keyring, key_alg=settings.key_alg, now=utcnow())
    cleared = None
    if outcome.status == "cleared":  # a hold at invitation: the link goes out now
        cleared = invitations.cleared_event(db=db, visit=outcome.visit, settings=settings)
    audit.record(db, who=audit.actor_of(request, user), action="checkin.approval",
                 target=f"visit:{visit_id}", after={"allow": body.allow,
                                                    "status": outcome.status})
    db.commit()
    after(hub, outcome, db, settings.site)
    if cleared is not None:
        state.journey.publish(cleared)
    return CheckInOut(status=outcome.status,
                      pass_id=outcome.new_pass.pass_id if outcome.new_pass else None,
                      pass_replaced=outcome.replaced,
                      pass_url=str(cleared.data["pass_url"]) if cleared is not None else None)


@router.get("/api/sites/{site}/watchlist", response_model=list[WatchOut])
def list_watch(site: str, db: SessionDep, _user: StaffUser) -> list[WatchOut]:
    """The site's deny list and watchlist (staff)."""
    from sqlalchemy import select

    from officegate.server.checkin.models import WatchEntry

    site_id = sites.get_site(db=db, code=site).id
    rows = db.scalars(select(WatchEntry).where(WatchEntry.site_id == site_id))
    return [WatchOut(id=r.id, list=r.list, name=r.name, email=r.email,  # type: ignore[arg-type]
                     reason=r.reason) for r in rows]


@router.post("/api/sites/{site}/watchlist", response_model=WatchOut, status_code=201)
def add_watch(site: str, body: WatchIn, request: Request, db: SessionDep,
              user: StaffUser) -> WatchOut:
    """Add a deny-list or watchlist entry (staff)."""
    row = checkin.add_watch(db=db, site=site, list_name=body.list, name=body.name,
                            email=body.email, reason=body.reason, user=user)
    # The entry by id: its name and reason stay on the list, not in the permanent log.
    audit.record(db, who=audit.actor_of(request, user), action="watchlist.add",
                 target=f"watchlist:{row.id}", after={"list": body.list})
    return WatchOut(id=row.id, list=body.list, name=row.name, email=row.email,
                    reason=row.reason)



def _watch_out(row: WatchEntry) -> WatchOut:
    return WatchOut(id=row.id, list=row.list, name=row.name,  # type: ignore[arg-type]
                    email=row.email, reason=row.reason)


@router.put("/api/sites/{site}/watchlist/{entry_id}", response_model=WatchOut)
def edit_watch(site: str, entry_id: RowId, body: WatchIn, request: Request, db: SessionDep,
               user: StaffUser) -> WatchOut:
    """Change a deny-list or watchlist entry (staff): its list, name, e-mail, reason."""
    row = checkin.get_watch(db=db, site=site, entry_id=entry_id)
    before = row.list
    checkin.update_watch(db=db, entry=row, list_name=body.list, name=body.name,
                         email=body.email, reason=body.reason)
    audit.record(db, who=audit.actor_of(request, user), action="watchlist.edit",
                 target=f"watchlist:{row.id}", before={"list": before},
                 after={"list": body.list})
    return _watch_out(row)


@router.delete("/api/sites/{site}/watchlist/{entry_id}", status_code=204)
def remove_watch(site: str, entry_id: RowId, request: Request, db: SessionDep,
                 user: StaffUser) -> Response:
    """Take an entry off the deny list or watchlist (staff)."""
    row = checkin.get_watch(db=db, site=site, entry_id=entry_id)
    before = row.list
    checkin.remove_watch(db=db, entry=row)
    audit.record(db, who=audit.actor_of(request, user), action="watchlist.remove",
                 target=f"watchlist:{entry_id}", before={"list": before})
    return Response(status_code=204)

@router.get("/staff/poster", response_class=HTMLResponse, include_in_schema=False)
def poster_page(request: Request, db: SessionDep, state: StateDep,
                user: StaffPageUser) -> Response:
    """Today's lobby poster, ready to print (staff)."""
    _staff_only(user)
    settings = state.settings
    site = sites.get_site(db=db, code=settings.site)
    config = arrival.site_config(db=db, site_id=site.id)
    day = arrival.local_day(config, utcnow())
    url = poster.poster_url(base_url=settings.base_url, secret=session_secret(settings),
                            site=site.code, day=day)
    return state.templates.TemplateResponse(request, "checkin_poster.html", {
        "user": user, "site_name": site.name, "day": day, "qr": poster.qr_svg(url),
        "url": url, "lang": "ja"})


@router.get("/c/{site}", response_class=HTMLResponse, include_in_schema=False)
def checkin_page(site: str, request: Request, state: StateDep) -> Response:
    """The page the poster's QR opens; checkin.js finds the pass on this phone."""
    # The phone's language until checkin.js reads the one chosen on the pass page.
    lang = negotiate.choose(request, offered=catalog.LANGUAGES)
    request.state.og_lang = lang
    return state.templates.TemplateResponse(request, "checkin.html", {
        "site": site, "day": request.query_params.get("d", "")[:10],
        "code": request.query_params.get("k", "")[:32], "lang": lang},
        headers={"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"})


def _staff_only(user: User) -> None:
    if user.role not in ("admin", "staff"):
        raise Forbidden("forbidden", "staff only", "スタッフ専用です")
