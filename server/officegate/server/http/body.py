"""One body reader for every route: a size limit on the stream and a JSON depth limit.

``BodyGuard`` is a pure ASGI middleware. It reads nothing by itself: the body is read when
the route asks for it (so ``/owntracks`` and the webhooks can refuse bad credentials
first), and only then is it measured. A ``Content-Length`` over the limit is refused at
once; a chunked body is counted as it arrives and refused the moment it passes the limit.
A JSON-ish body nested deeper than :data:`~officegate.server.http.jsonbody.MAX_DEPTH` is a
400 before any parser sees it. Refusals are the API's usual bilingual error body.
"""

from __future__ import annotations

import json
import re

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from officegate.server.http.jsonbody import MAX_DEPTH, nesting_depth

MAX_BODY = 256 * 1024  # nothing the API accepts is anywhere near this
# Bodies that are not JSON (forms, calendar files) may legitimately hold many brackets.
_NOT_JSON = ("application/x-www-form-urlencoded", "multipart/form-data", "text/calendar")


def error_body(code: str, message_en: str, message_ja: str) -> bytes:
    """The API's error JSON: ``{"detail": {"code", "message_en", "message_ja"}}``."""
    return json.dumps({"detail": {"code": code, "message_en": message_en,
                                  "message_ja": message_ja}}, ensure_ascii=False).encode()


TOO_LARGE = (413, error_body("too_large", f"request body too large (at most {MAX_BODY} bytes)",
                             "リクエストが大きすぎます"))
TOO_DEEP = (400, error_body("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels",
                            "JSON の入れ子が深すぎます"))
BAD_LENGTH = (400, error_body("bad_length", "Content-Length is not a number",
                              "Content-Length が不正です"))
# NUL is no character of any text we keep (PostgreSQL refuses it in text columns): a JSON
# escape of it, a raw one, or a percent-encoded one in the path, query or a form is a 400.
NUL_REFUSED = (400, error_body("nul_character", "text must not contain NUL (U+0000)",
                               "テキストに NUL 文字は使えません"))
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_PERCENT_NUL = re.compile(rb"%00")


def _has_nul(body: bytes, kind: str) -> bool:
    if kind == "multipart/form-data":
        return False  # files may hold any byte; their text fields are checked by the route
    if kind == "application/x-www-form-urlencoded":
        return b"\x00" in body or _PERCENT_NUL.search(body) is not None
    return b"\x00" in body or _JSON_NUL.search(body) is not None


class _Refused(HTTPException):
    """Raised into the app after the refusal was sent (FastAPI re-raises HTTPException
    untouched; everything the app sends afterwards is dropped)."""

    def __init__(self) -> None:
        super().__init__(status_code=400, detail="refused by the body guard")


async def send_error(send: Send, status: int, body: bytes,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send a whole JSON response."""
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Refuse bodies over ``max_bytes`` (413) and JSON deeper than ``max_depth`` (400)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY,
                 max_depth: int = MAX_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and not length.strip().isdigit():
            await send_error(send, *BAD_LENGTH)
            return
        if length is not None and int(length) > self.max_bytes:
            await send_error(send, *TOO_LARGE)
            return
        if "\x00" in scope.get("path", "") or b"\x00" in scope.get("query_string", b"") \
                or _PERCENT_NUL.search(scope.get("query_string", b"")):
            await send_error(send, *NUL_REFUSED)
            return
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        reader = _Reader(receive, send, max_bytes=self.max_bytes, kind=kind,
                         max_depth=None if kind in _NOT_JSON else self.max_depth)
        try:
            await self.app(scope, reader.receive, reader.send)
        except _Refused:
            pass  # the refusal has been sent
        except Exception:
            if not reader.refused:
                raise  # the app's own error: the error handlers answer it


class _Reader:
    """The body of one request, read on the app's first ``receive`` and checked whole."""

    def __init__(self, receive: Receive, send: Send, *, max_bytes: int,
                 max_depth: int | None, kind: str = "") -> None:
        self._receive, self._send = receive, send
        self.max_bytes, self.max_depth, self.kind = max_bytes, max_depth, kind
        self.delivered = False
        self.refused = False

    async def _refuse(self, status: int, body: bytes) -> None:
        self.refused = True
        await send_error(self._send, status, body)
        raise _Refused

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        if self.delivered:
            return await self._receive()  # after the body: disconnect notices
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(*TOO_LARGE)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if self.max_depth is not None and nesting_depth(body, stop_at=self.max_depth) \
                > self.max_depth:
            await self._refuse(*TOO_DEEP)
        if _has_nul(body, self.kind):
            await self._refuse(*NUL_REFUSED)
        self.delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(self, message: Message) -> None:
        if not self.refused:
            await self._send(message)
