"""The throttle applied by path: every answer that says "wrong secret" counts as a failure.

Sign-in counts per e-mail in its own routes (the e-mail is in the body); everything else
is classified here, so no route has to remember to count:

- a pass link (``/p/``, ``/api/p/``, ``/api/chat/``) answered 401/403/404: an unknown link,
  a refused phone, a wrong checkout code; per address (not per link: a forwarded link's
  refusals must not lock the visitor's own phone out);
- ``/api/checkin`` answered 403/404: a wrong code or link, per address;
- ``/owntracks`` answered 401, per OwnTracks user and per address;
- ``/webhooks/`` answered 401/403: a bad signature or token, per address;
- any other ``/api/`` answered 401: a guessed bearer token, per address.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from officegate.server.http.body import error_body, send_error
from officegate.server.http.throttle import Throttle

_PASS = re.compile(r"^/(?:api/)?(?:p|chat)/")
_FAILURES: dict[str, frozenset[int]] = {
    "pass_link": frozenset({401, 403, 404}), "checkin_code": frozenset({403, 404}),
    "owntracks": frozenset({401}), "webhook": frozenset({401, 403}),
    "api_token": frozenset({401}),
}
_SIGNIN = ("/login", "/api/auth/token")  # counted by the routes themselves
T = TypeVar("T")


def classify(path: str, headers: Headers) -> tuple[str, str | None] | None:
    """``(kind, account)`` of a request whose failures count, or None."""
    if path in _SIGNIN:
        return None
    if _PASS.match(path):
        return "pass_link", None
    if path == "/api/checkin":
        return "checkin_code", None
    if path == "/owntracks":
        return "owntracks", _basic_user(headers.get("authorization", ""))
    if path.startswith("/webhooks/"):
        return "webhook", None
    if path.startswith("/api/"):
        return "api_token", None
    return None


def _basic_user(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value, validate=True).decode().partition(":")[0] or None
    except (binascii.Error, UnicodeDecodeError):
        return None


def too_many(wait: int) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """The 429 answer: bilingual reason and ``Retry-After``."""
    return 429, error_body(
        "too_many_attempts", f"Too many failed attempts. Try again in {wait} seconds.",
        f"失敗が多すぎます。{wait}秒後にもう一度お試しください。"), [
        (b"retry-after", str(wait).encode())]


class GuessGuard:
    """Refuse (429) addresses and accounts out of tries; count failures as they happen."""

    def __init__(self, app: ASGIApp, *, throttle: Throttle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = classify(scope["path"], Headers(scope=scope))
        if found is None:
            await self.app(scope, receive, send)
            return
        kind, account = found
        address = (scope.get("client") or ("?", 0))[0]
        wait = await self._call(self.throttle.retry_after, kind, account=account,
                                address=address)
        if wait is not None:
            status, body, headers = too_many(wait)
            await send_error(send, status, body, headers)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and \
                    message["status"] in _FAILURES[kind]:
                await self._call(self.throttle.failed, kind, account=account, address=address)
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Counters in a database (or Redis) are network calls: off the event loop. In-process
        # memory is a dictionary lookup, not worth a thread.
        if self.throttle.in_memory:
            return func(*args, **kwargs)
        return await run_in_threadpool(func, *args, **kwargs)
