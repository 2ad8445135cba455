"""Sign-in: the bilingual login page (session cookie) and API bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from officegate.server.audit import service as audit
from officegate.server.auth import service
from officegate.server.auth.models import User
from officegate.server.auth.schemas import TokenIn, TokenOut, UserOut
from officegate.server.deps import SESSION_USER_KEY, CurrentUser, SessionDep, SettingsDep, StateDep
from officegate.server.errors import NotAuthenticated

router = APIRouter()

BAD_LOGIN_EN = "Wrong e-mail or password."
BAD_LOGIN_JA = "メールアドレスまたはパスワードが違います。"


def _safe_next(value: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/staff"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, state: StateDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return state.templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "email": "", "error": None, "user": None})


@router.post("/login", include_in_schema=False)
def login(
    request: Request, state: StateDep, db: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    """Check the form; on success set the session cookie and go on, else 401 with the form."""
    user = service.authenticate(db=db, email=email, password=password)
    _audit_sign_in(request, state, db, user, email, "page")
    if user is None:
        return state.templates.TemplateResponse(
            request, "login.html",
            {"next": _safe_next(next), "email": email, "user": None,
             "error": {"en": BAD_LOGIN_EN, "ja": BAD_LOGIN_JA}},
            status_code=401,
        )
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


def _audit_sign_in(request: Request, state: StateDep, db: SessionDep, user: User | None,
                   email: str, how: str) -> None:
    if user is not None:
        audit.record(db, who=audit.actor_of(request, user), action="auth.sign_in",
                     after={"how": how})
        return
    # Kept although the request answers 401 (its own transaction). What was typed is kept
    # only when it looks like an e-mail: a password typed into the wrong field is not.
    typed = service.normalize_email(email)
    name = typed[:254] if "@" in typed and " " not in typed else "(not an e-mail)"
    audit.record_apart(state.sessions, who=audit.actor_of(request, None, name=name),
                       action="auth.sign_in_failed", after={"how": how})


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    """Forget the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/api/auth/token", response_model=TokenOut, tags=["auth"])
def create_token(body: TokenIn, request: Request, db: SessionDep, state: StateDep,
                 settings: SettingsDep) -> TokenOut:
    """Exchange e-mail and password for a bearer token (401 when they do not match)."""
    user = service.authenticate(db=db, email=body.email, password=body.password)
    _audit_sign_in(request, state, db, user, body.email, "token")
    if user is None:
        raise NotAuthenticated("bad_credentials", BAD_LOGIN_EN, BAD_LOGIN_JA)
    token = service.issue_api_token(db=db, user=user, hours=settings.api_token_hours)
    return TokenOut(access_token=token, expires_in=settings.api_token_hours * 3600)


@router.get("/api/auth/me", response_model=UserOut, tags=["auth"])
def me(user: CurrentUser) -> UserOut:
    """Who the credentials belong to."""
    return UserOut(id=user.id, email=user.email, name=user.name, role=user.role)
