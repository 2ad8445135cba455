"""The visitor's side: the privacy notice, and from the pass link: what is kept, a
download, erasure, and consent given or withdrawn (no account: the link is the key)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from officegate.server.audit import service as audit
from officegate.server.db import utcnow
from officegate.server.deps import SessionDep, StateDep
from officegate.server.i18n import catalog, negotiate
from officegate.server.privacy import consent, service
from officegate.server.privacy.export import kept_about
from officegate.server.privacy.jobs import republish_revocations
from officegate.server.privacy.policy import retention_of
from officegate.server.sites import service as sites
from officegate.server.visits.holder import HolderOnly
from officegate.server.visits.pass_page import find_pass

router = APIRouter(tags=["privacy"])
Purpose = Literal["location", "marketing"]
PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
           "Cache-Control": "no-store"}


class ConsentIn(BaseModel):
    """Give (true) or withdraw (false) consent to one purpose."""

    model_config = ConfigDict(extra="forbid")
    given: bool


class ErasedOut(BaseModel):
    """An erasure request's outcome."""

    state: str
    counts: dict[str, int]


@router.get("/privacy", response_class=HTMLResponse, include_in_schema=False)
def notice(request: Request, db: SessionDep, state: StateDep) -> Response:
    """The privacy notice: operator, purposes, retention and contact, in one language."""
    site = sites.get_site(db=db, code=state.settings.site)
    return state.templates.TemplateResponse(request, "privacy_notice.html", {
        "user": None, "lang": _lang(request), "languages": catalog.LANGUAGES,
        "policy": retention_of(db=db, site=site), "site_name": site.name,
        "version": consent.NOTICE_VERSION})


def _lang(request: Request) -> str:
    """A visitor page's language (ja, en or zh_CN), remembered for the shared header."""
    return negotiate.page_language(request, None, offered=catalog.LANGUAGES)


def _kept(db: SessionDep, token: str) -> tuple[dict[str, Any], Any, Any, Any]:
    row = find_pass(db=db, token=token)
    visitor, visit, site = service.visitor_of_pass(db=db, row=row)
    return kept_about(db=db, visitor=visitor, policy=retention_of(db=db, site=site)), \
        visitor, visit, site


@router.get("/p/{token}/privacy", response_class=HTMLResponse, include_in_schema=False,
            dependencies=[HolderOnly])
def kept_page(token: str, request: Request, db: SessionDep, state: StateDep) -> Response:
    """What is kept about the visitor and until when, with download, erase and consent."""
    kept, _visitor, visit, _site = _kept(db, token)
    return state.templates.TemplateResponse(request, "privacy_visitor.html", {
        "user": None, "lang": _lang(request), "languages": catalog.LANGUAGES, "kept": kept,
        "token": token,
        "consents": consent.standing(db=db, visit_id=visit.id)}, headers=PRIVATE)


@router.get("/api/p/{token}/privacy", dependencies=[HolderOnly])
def kept_json(token: str, db: SessionDep, download: bool = False) -> Response:
    """The same as JSON; ``download=true`` makes it a file (and records the request)."""
    kept, visitor, _visit, site = _kept(db, token)
    headers = dict(PRIVATE)
    if download:
        service.record_access(db=db, visitor=visitor, site=site, source="pass_page",
                              requested_by="visitor", now=utcnow())
        headers["Content-Disposition"] = 'attachment; filename="my-officegate-data.json"'
    return Response(json.dumps(kept, ensure_ascii=False, indent=2),
                    media_type="application/json", headers=headers)


def _erase(token: str, request: Request, db: SessionDep, state: StateDep) -> ErasedOut:
    row = find_pass(db=db, token=token)
    visitor, _visit, site = service.visitor_of_pass(db=db, row=row)
    done = service.erase(db=db, visitor=visitor, site=site, source="pass_page",
                         requested_by="visitor", now=utcnow())
    audit.record(db, who=audit.actor_of(request, None, name="visitor"), action="privacy.erase",
                 target=f"visitor:{visitor.subject}", after=done.counts)
    db.commit()
    republish_revocations(state)  # the edges refuse the erased visitor's passes offline
    return ErasedOut(state=done.state, counts=done.counts)


@router.post("/api/p/{token}/privacy/erase", response_model=ErasedOut,
             dependencies=[HolderOnly])
def erase_json(token: str, request: Request, db: SessionDep, state: StateDep) -> ErasedOut:
    """Erase the visitor's identity, messages and contact points now; ends the pass."""
    return _erase(token, request, db, state)


@router.post("/p/{token}/privacy/erase", include_in_schema=False, dependencies=[HolderOnly])
def erase_form(token: str, request: Request, db: SessionDep, state: StateDep) -> Response:
    """The page's erase button."""
    _erase(token, request, db, state)
    return RedirectResponse(f"/p/{token}/privacy?lang={_lang(request)}", status_code=303)


def _consent(token: str, db: SessionDep, purpose: str, given: bool) -> dict[str, str | None]:
    row = find_pass(db=db, token=token)
    now = utcnow()
    if given:
        consent.give(db=db, visit_id=row.visit_id, purpose=purpose, now=now)
    else:
        consent.withdraw(db=db, visit_id=row.visit_id, purpose=purpose, now=now)
    return consent.standing(db=db, visit_id=row.visit_id)


@router.post("/api/p/{token}/consent/{purpose}", dependencies=[HolderOnly])
def consent_json(token: str, purpose: Purpose, body: ConsentIn,
                 db: SessionDep) -> dict[str, str | None]:
    """Give or withdraw consent; answers purpose -> version consented to (or null)."""
    return _consent(token, db, purpose, body.given)


@router.post("/p/{token}/privacy/consent", include_in_schema=False)
def consent_form(token: str, request: Request, db: SessionDep,
                 purpose: Annotated[Purpose, Form()],
                 given: Annotated[bool, Form()]) -> Response:
    """The page's consent buttons."""
    _consent(token, db, purpose, given)
    return RedirectResponse(f"/p/{token}/privacy?lang={_lang(request)}", status_code=303)
