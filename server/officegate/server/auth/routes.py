"""Sign-in: the bilingual login page (session cookie) and API bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from officegate.server.audit import service as audit
from officegate.server.auth import service, sessions
from officegate.server.auth.models import User
from officegate.server.auth.schemas import TokenIn, TokenOut, UserOut
from officegate.server.deps import CurrentUser, SessionDep, SettingsDep, StateDep
from officegate.server.errors import NotAuthenticated
from officegate.server.http.guessing import too_many
from officegate.server.http.throttle import Throttle
from officegate.server.i18n import catalog, negotiate

router = APIRouter()

BAD_LOGIN_EN = "Wrong e-mail or password."
BAD_LOGIN_JA = "メールアドレスまたはパスワードが違います。"


def _safe_next(value: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/staff"


def _throttle(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


def _signin(request: Request, db: SessionDep, email: str, password: str) -> User | int | None:
    """The user, or seconds to wait (too many failures for this e-mail from this address, or
    from this address in all), or None (wrong e-mail or password, counted)."""
    account = service.normalize_email(email)
    address = request.client.host if request.client else "?"
    throttle = _throttle(request)
    wait = throttle.retry_after("signin", account=account, address=address)
    if wait is not None:
        return wait  # even the right password waits: guessing must not find it
    user = service.authenticate(db=db, email=email, password=password)
    if user is None:
        throttle.failed("signin", account=account, address=address)
        return None
    throttle.succeeded("signin", account=account, address=address)
    return user


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, state: StateDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return state.templates.TemplateResponse(request, "login.html", _login_context(
        request, next=_safe_next(next), email="", error=None))


def _login_context(request: Request, **values: object) -> dict[str, object]:
    """The sign-in form speaks one language: ``?lang=``, the switcher's cookie, the browser."""
    return {"lang": negotiate.page_language(request, None),
            "languages": catalog.STAFF_LANGUAGES, "user": None, **values}


@router.post("/login", include_in_schema=False)
def login(
    request: Request, state: StateDep, db: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    """Check the form; on success set the session cookie and go on, else 401 with the form."""
    user = _signin(request, db, email, password)
    if not isinstance(user, int):  # a throttled try checked nothing
        _audit_sign_in(request, state, db, user, email, "page")
    if not isinstance(user, User):
        ja = negotiate.page_language(request, None) == "ja"
        error, status, headers = (BAD_LOGIN_JA if ja else BAD_LOGIN_EN), 401, None
        if user is not None:
            error = (f"失敗が多すぎます。{user}秒後にもう一度お試しください。" if ja else
                     f"Too many failed attempts. Try again in {user} seconds.")
            status, headers = 429, {"Retry-After": str(user)}
        return state.templates.TemplateResponse(
            request, "login.html",
            _login_context(request, next=_safe_next(next), email=email, error=error),
            status_code=status, headers=headers,
        )
    sessions.end(db=db, session_id=request.session.get(sessions.SESSION_ID_KEY))
    request.session.clear()
    request.session[sessions.SESSION_ID_KEY] = sessions.start(db=db, user_id=user.id)
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
def logout(request: Request, db: SessionDep) -> Response:
    """End the session on the server too: a copy of the cookie no longer signs in."""
    session_id = request.session.get(sessions.SESSION_ID_KEY)
    uid = sessions.user_id_of(db=db, session_id=session_id)
    user = db.get(User, uid) if uid is not None else None
    if user is not None:  # a stale cookie signs nobody out
        audit.record(db, who=audit.actor_of(request, user), action="auth.sign_out",
                     after={"how": "page"})
    sessions.end(db=db, session_id=session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/api/auth/token", response_model=TokenOut, tags=["auth"])
def create_token(body: TokenIn, request: Request, db: SessionDep, state: StateDep,
                 settings: SettingsDep) -> TokenOut | Response:
    """Exchange e-mail and password for a bearer token (401 when they do not match, 429
    with Retry-After after too many failures)."""
    user = _signin(request, db, body.email, body.password)
    if isinstance(user, int):
        status, content, headers = too_many(user)
        return Response(content, status_code=status, media_type="application/json",
                        headers={k.decode(): v.decode() for k, v in headers})
    _audit_sign_in(request, state, db, user, body.email, "token")
    if user is None:
        raise NotAuthenticated("bad_credentials", BAD_LOGIN_EN, BAD_LOGIN_JA)
    token = service.issue_api_token(db=db, user=user, hours=settings.api_token_hours)
    return TokenOut(access_token=token, expires_in=settings.api_token_hours * 3600)


@router.get("/api/auth/me", response_model=UserOut, tags=["auth"])
def me(user: CurrentUser) -> UserOut:
    """Who the credentials belong to."""
    return UserOut(id=user.id, email=user.email, name=user.name, role=user.role)
