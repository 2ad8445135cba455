"""User administration pages and what auth/users.py (list, add, role, deactivate) lacks:
invite by e-mail and password reset by a one-time link, the link's page; every user's own
language."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.audit import service as audit
from officegate.server.auth import accounts
from officegate.server.auth.models import Role, User
from officegate.server.auth.service import list_users
from officegate.server.console.hub import mailer_from
from officegate.server.console.lang import COOKIE, page_context, translator
from officegate.server.db import RowId
from officegate.server.deps import (
    AdminUser,
    CurrentUser,
    PageUser,
    SessionDep,
    StateDep,
    require_page_role,
)
from officegate.server.errors import OfficeGateError
from officegate.server.http.openapi import EMAIL_RULE

log = logging.getLogger(__name__)
router = APIRouter(tags=["users"])
AdminPage = Annotated[User, Depends(require_page_role(Role.ADMIN))]
RoleName = Literal["admin", "staff", "host"]


class AccountOut(BaseModel):
    """A user as the admin sees them."""

    id: int
    email: str
    name: str
    role: str
    active: bool


class InviteIn(BaseModel):
    """A new user, invited by e-mail to set their own password."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL_RULE)
    name: str = Field(default="", max_length=200)
    role: RoleName = "host"


class LinkOut(BaseModel):
    """A one-time link: mailed to the user, or (no mail server) given to the admin."""

    user: AccountOut
    mailed: bool
    link: str | None = None


class LanguageIn(BaseModel):
    """The language of your pages (null: your browser's)."""

    model_config = ConfigDict(extra="forbid")
    language: Literal["ja", "en"] | None


def _out(user: User) -> AccountOut:
    return AccountOut(id=user.id, email=user.email, name=user.name, role=user.role,
                      active=user.active)


def _send_link(state: StateDep, user: User, token: str, purpose: str) -> LinkOut:
    url = f"{state.settings.base_url.rstrip('/')}/set-password/{token}"
    config = state.settings.messaging
    mailer = mailer_from(config)
    _ = translator(config.default_lang)
    if mailer is not None:
        subject = _("Your OfficeGate account") if purpose == "invite" else \
            _("Reset your OfficeGate password")
        text = _("Set your password with this link (it works once): %(url)s", url=url)
        try:
            mailer.send(to=user.email, subject=subject, text=text)
            return LinkOut(user=_out(user), mailed=True)
        except Exception as exc:  # the admin gets the link instead
            log.warning("account mail failed: %s", type(exc).__name__)
    return LinkOut(user=_out(user), mailed=False, link=url)


@router.post("/api/users/invite", response_model=LinkOut, status_code=201)
def invite(body: InviteIn, request: Request, db: SessionDep, state: StateDep,
           admin: AdminUser) -> LinkOut:
    """Invite a user by e-mail: the account exists at once (no password yet), the person
    sets one by the one-time link. (``POST /api/users`` adds a user with a password.)"""
    user, token = accounts.invite(db=db, email=body.email, name=body.name, role=body.role)
    audit.record(db, who=audit.actor_of(request, admin), action="user.invite",
                 target=f"user:{user.id}", after=_out(user).model_dump())
    db.commit()
    return _send_link(state, user, token, "invite")


@router.post("/api/users/{user_id}/reset", response_model=LinkOut)
def reset(user_id: RowId, request: Request, db: SessionDep, state: StateDep,
          admin: AdminUser) -> LinkOut:
    """Send a one-time password reset link (earlier links stop working)."""
    user = accounts.get_account(db=db, user_id=user_id)
    token = accounts.new_link(db=db, user=user, purpose="reset")
    audit.record(db, who=audit.actor_of(request, admin), action="user.reset_link",
                 target=f"user:{user.id}")
    db.commit()
    return _send_link(state, user, token, "reset")


@router.put("/api/me/language", status_code=204, response_class=Response)
def my_language(body: LanguageIn, db: SessionDep, user: CurrentUser) -> Response:
    """Your pages' language (null: follow the browser)."""
    accounts.set_language(db=db, user=user, language=body.language)
    response = Response(status_code=204)
    if body.language:
        response.set_cookie(COOKIE, body.language, max_age=365 * 24 * 3600, samesite="lax")
    else:
        response.delete_cookie(COOKIE)
    return response


@router.get("/staff/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, db: SessionDep, state: StateDep, admin: AdminPage) -> Response:
    """Users and roles: invite, change role, deactivate, send a reset link."""
    return state.templates.TemplateResponse(request, "console/users.html", page_context(
        request, admin, accounts_list=list_users(db=db)))


@router.get("/staff/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(request: Request, db: SessionDep, state: StateDep, user: PageUser) -> Response:
    """Your own settings: the language of your pages."""
    return state.templates.TemplateResponse(request, "console/me.html", page_context(
        request, user, own=user.lang))


@router.get("/set-password/{token}", response_class=HTMLResponse, include_in_schema=False)
def set_password_page(token: str, request: Request, db: SessionDep,
                      state: StateDep) -> Response:
    """The one-time link's page: choose a password."""
    error = None
    try:
        _link, user = accounts.link_user(db=db, token=token)
        email = user.email
    except OfficeGateError as exc:
        error, email = (exc.message_en, exc.message_ja), ""
    return state.templates.TemplateResponse(request, "console/set_password.html", page_context(
        request, None, token=token, email=email, error=error),
        status_code=410 if error else 200)


@router.post("/set-password/{token}", include_in_schema=False)
def set_password(token: str, request: Request, db: SessionDep, state: StateDep,
                 password: Annotated[str, Form(max_length=1024)] = "") -> Response:
    """Set the password; then sign in as usual."""
    try:
        accounts.use_link(db=db, token=token, password=password)
    except OfficeGateError as exc:
        db.rollback()
        try:  # a weak password: the form again, for the same still-valid link
            email = accounts.link_user(db=db, token=token)[1].email
        except OfficeGateError:
            email = ""
        return state.templates.TemplateResponse(
            request, "console/set_password.html", page_context(
                request, None, token=token, email=email,
                error=(exc.message_en, exc.message_ja)), status_code=exc.status_code)
    return RedirectResponse("/login", status_code=303)
