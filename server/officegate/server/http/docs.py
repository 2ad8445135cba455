"""The API's documentation (``/docs``, ``/redoc``, ``/openapi.json``) for signed-in users
only: it maps every route an attacker could try. Signed out, ``/docs`` sends the browser to
the login page and ``/openapi.json`` answers 401."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from officegate.server.deps import get_state, user_from_request
from officegate.server.errors import NotAuthenticated

DOC_ROUTES = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def _signed_in(scope: Scope) -> bool:
    request = Request(scope)
    db = get_state(request).sessions()
    try:
        return user_from_request(request, db) is not None
    except NotAuthenticated:
        return False  # a bearer token that is unknown or expired
    finally:
        db.close()


def signed_in_only(app: ASGIApp) -> ASGIApp:
    """``app`` behind a sign-in: 401 JSON for the document, a redirect for the pages."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if _signed_in(scope):
            await app(scope, receive, send)
            return
        path = scope["path"]
        response: Response
        if path.endswith(".json"):
            response = JSONResponse({"detail": {
                "code": "not_authenticated", "message_en": "sign in to read the API document",
                "message_ja": "API ドキュメントの閲覧にはログインが必要です"}}, status_code=401,
                headers={"WWW-Authenticate": "Bearer"})
        else:
            response = RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        await response(scope, receive, send)

    return guarded


def protect_docs(app: FastAPI) -> None:
    """Put the documentation routes FastAPI made behind :func:`signed_in_only`."""
    for route in app.router.routes:
        if isinstance(route, Route) and route.path in DOC_ROUTES:
            route.app = signed_in_only(route.app)
