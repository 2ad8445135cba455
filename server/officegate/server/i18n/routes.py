"""The language switcher's target: remember the choice (cookie, and the user's setting when
signed in) and go back to the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from officegate.server.auth import sessions
from officegate.server.auth.models import User
from officegate.server.deps import SessionDep
from officegate.server.i18n import catalog
from officegate.server.i18n.negotiate import COOKIE, normalise

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): the switcher is no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:500]


@router.post("/lang")
def switch_language(request: Request, db: SessionDep, lang: Annotated[str, Form()] = "",
                    next: Annotated[str, Form()] = "/") -> RedirectResponse:  # noqa: A002
    """Switch the pages to ``lang`` (ja, en, zh_CN) and return to ``next``."""
    chosen = normalise(lang) or catalog.DEFAULT
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, chosen, max_age=YEAR, samesite="lax", httponly=True)
    uid = sessions.user_id_of(db=db, session_id=request.session.get(sessions.SESSION_ID_KEY))
    if uid is not None:
        user = db.get(User, uid)
        if user is not None:
            user.lang = chosen
    return response
