"""Cross-site request forgery: state-changing requests signed in by the session cookie must
come from this server's own pages.

Token-free, like Go's ``net/http.CrossOriginProtection``: browsers say where a request comes
from, in headers a page cannot forge. An unsafe request (POST, PUT, PATCH, DELETE) that
carries the session cookie, and every sign-in form post, is refused with 403 when

1. ``Sec-Fetch-Site`` is present and is neither ``same-origin`` nor ``none``; else
2. ``Origin`` is present and is not this server (its public ``base_url`` or the ``Host`` it
   was asked under; ``Origin: null`` is never this server); else
3. ``Referer`` is present and is not this server.

A request with none of the three is not from a browser (scripts, the tests, the demo) and
passes; so do requests signed in with ``Authorization: Bearer`` (a page cannot attach one
without CORS, which the server does not offer) and requests without the session cookie
(device, webhook and pass page calls authenticate themselves). The token libraries
(starlette-csrf, asgi-csrf, fastapi-csrf-protect) would need a token in every form and
``fetch`` of the staff pages; this needs none. The session cookie itself is HttpOnly,
SameSite=Lax and Secure behind https (``create_app``).
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
MESSAGE_EN = ("This request came from another site, so it was refused: "
              "open the OfficeGate page again and retry from there.")
MESSAGE_JA = ("別のサイトから送信されたリクエストのため拒否しました。"
              "OfficeGate のページを開き直してから、もう一度操作してください。")


def _origin_of(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of a URL with the default port left out; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return scheme, host if port in (None, default) else f"{host}:{port}"


class SameOriginGuard:
    """ASGI middleware refusing cross-site, cookie-authenticated unsafe requests (403)."""

    def __init__(self, app: ASGIApp, *, base_url: str, session_cookie: str = "og_session",
                 login_path: str = "/login") -> None:
        self.app = app
        self.own = _origin_of(base_url)
        self.session_cookie = session_cookie
        self.login_path = login_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = Headers(scope=scope)
            if self._signed_in_by_cookie(scope, headers):
                reason = self.refusal(headers)
                if reason is not None:
                    await _refused(headers, reason)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _signed_in_by_cookie(self, scope: Scope, headers: Headers) -> bool:
        if scope.get("path") == self.login_path:
            return True  # a forged sign-in would put the victim in the attacker's account
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return False  # the bearer token decides who this is, not the cookie
        return self.session_cookie in cookie_parser(headers.get("cookie", ""))

    def refusal(self, headers: Headers) -> str | None:
        """Why a request with these headers is not from this server's pages, or None."""
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            if fetch_site.lower() in SAME_ORIGIN_FETCH:
                return None
            return f"the browser says it comes from another site (Sec-Fetch-Site: {fetch_site})"
        for name in ("origin", "referer"):
            value = headers.get(name)
            if value is None:
                continue
            if self._is_own(value, headers.get("host", "")):
                return None
            shown = _origin_of(value)
            where = f"{shown[0]}://{shown[1]}" if shown else "an unknown origin (null)"
            return f"it comes from {where[:100]}, not from this server ({name.title()} header)"
        return None  # no browser sends a cross-site POST without any of the three

    def _is_own(self, url: str, host: str) -> bool:
        origin = _origin_of(url)
        if origin is None:
            return False
        if origin == self.own:
            return True
        # The name the browser used (what Go's CrossOriginProtection compares): a page served
        # from a second name of this server posts back to that same name.
        return origin[1] == (_origin_of(f"{origin[0]}://{host}") or ("", ""))[1]


def _refused(headers: Headers, reason: str) -> Response:
    detail = {"code": "cross_site_request", "message_en": f"{MESSAGE_EN} Reason: {reason}.",
              "message_ja": MESSAGE_JA, "reason": reason}
    if "text/html" not in headers.get("accept", ""):
        return JSONResponse({"detail": detail}, status_code=403)
    page = f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>拒否されました / Refused — OfficeGate</title></head>
<body><main style="max-width:40rem;margin:2rem auto;padding:0 1rem;font-family:system-ui">
<h1>拒否されました / Request refused</h1>
<p lang="ja">{html.escape(MESSAGE_JA)}</p>
<p lang="en">{html.escape(MESSAGE_EN)}</p>
<p><small>理由 / Reason: {html.escape(reason)}</small></p>
<p><a href="/staff">スタッフページへ / To the staff pages</a></p>
</main></body></html>"""
    return HTMLResponse(page, status_code=403)


__all__ = ["SameOriginGuard"]
