"""A stand-in pass site for browser tests: the real template and static files, a fake API.

It serves exactly what the real server promises (docs/contracts.md and the pass page brief):
`GET /p/{token}` rendering pass.html, `/static/...`, `/sw.js` at the root with
`Service-Worker-Allowed: /`, and fakes of `POST /api/p/{token}/open` and
`GET /api/p/{token}/status` answering with a real pass made by officegate.protocol.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
    static_text,
)
from officegate.server.app import WEB_DIR, add_static_bundles
from officegate.server.i18n.catalog import LANGUAGES
from officegate.server.i18n.jinja import install as install_i18n

WEB = WEB_DIR  # the real templates and static files, wherever the server part is installed
GATE = DoorPolicy(device="lobby-gate", zone="lobby")
BOUND_MESSAGE = {
    "code": "bound_to_other_device",
    "message_en": "This pass is already open on another phone.",
    "message_ja": "このパスは別のスマートフォンで開かれています。",
}


@dataclass
class FakePass:
    """One visitor's pass as the server would hold it."""

    token: str
    key: SigningKey
    cose: bytes
    secret: bytes
    details: dict[str, Any]
    bound_device: str | None = None
    revoked: bool = False
    checked_in: bool = False
    gone: bool = False  # the visit was cancelled or is long over: 410
    opens: list[str] = field(default_factory=list)

    @property
    def keys(self) -> KeySet:
        """The keyset an edge would hold to verify this pass."""
        return KeySet("hq", [self.key.trusted()], 1)

    def open_answer(self) -> dict[str, Any]:
        """The JSON body of a successful `POST /api/p/{token}/open`."""
        return {
            "pass_text_static": None,
            "cose_b45": static_text(self.cose)[len("OG1S"):],
            "code_secret": base64.b64encode(self.secret).decode("ascii"),
            "code_period": 10,
            "code_digits": 8,
            "prefix": "OG1R",
            **self.details,
        }


def make_pass(token: str, *, now: float | None = None) -> FakePass:
    """A real signed visitor pass for the lobby gate, valid for the next eight hours."""
    now = time.time() if now is None else now
    key = SigningKey.generate()
    claims = PassClaims(
        issuer="hq", subject="visitor-7", pass_id=os.urandom(8), issued_at=int(now),
        not_before=int(now) - 3600, expires=int(now) + 8 * 3600, kind=PassKind.VISITOR,
        visit_id=42, zones=("lobby",), doors=("room-5a",),
    )
    start = int(now) + 1800
    details = {
        "visitor_name": "Aiko Tanaka",
        "host_name": "佐藤 健 / Ken Sato",
        "site_name": "Example KK Tokyo HQ",
        "starts_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
        "ends_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600)),
        "valid_from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(claims.not_before)),
        "valid_until": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(claims.expires)),
        "room": "5A",
        "directions": "5F, turn right from the lift / 5階、エレベーターを出て右",
    }
    return FakePass(token, key, issue_pass(claims, key), pass_secret(key.code_key, claims.pass_id),
                    details)


def build_app(passes: dict[str, FakePass]) -> FastAPI:
    """The fake server app over `passes` (token -> FakePass), mutable by the test."""
    app = FastAPI()
    templates = Jinja2Templates(directory=str(WEB / "templates"))
    install_i18n(templates.env)  # the real server's gettext (the page's catalogs)
    add_static_bundles(app)  # /static/pass-bundle.js as the server serves it
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")

    @app.get("/p/{token}", response_class=HTMLResponse)
    def page(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        accept = request.headers.get("accept-language", "")
        chosen = lang if lang in LANGUAGES else ("en" if accept.startswith("en") else "ja")
        return templates.TemplateResponse(request, "pass.html", {"token": token, "lang": chosen,
                                                                 "languages": LANGUAGES})

    @app.get("/sw.js")
    def service_worker() -> FileResponse:
        return FileResponse(WEB / "static" / "sw.js", media_type="text/javascript",
                            headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})

    def lookup(token: str) -> FakePass:
        found = passes.get(token)
        if found is None:
            raise HTTPException(404, {"message_en": "No such pass.",
                                      "message_ja": "パスが見つかりません。"})
        if found.gone:
            raise HTTPException(410, {"message_en": "This visit is over.",
                                      "message_ja": "この訪問は終了しました。"})
        return found

    @app.post("/api/p/{token}/open")
    def open_pass(token: str, body: dict[str, Any]) -> dict[str, Any]:
        found = lookup(token)
        device = str(body.get("device_id", ""))
        found.opens.append(device)
        if found.bound_device is None:
            found.bound_device = device
        elif found.bound_device != device:
            raise HTTPException(409, BOUND_MESSAGE)
        return found.open_answer()

    @app.get("/api/p/{token}/status")
    def status(token: str) -> dict[str, Any]:
        found = lookup(token)
        return {"revoked": found.revoked, "checked_in": found.checked_in, "last_event": None}

    return app


class ServerThread:
    """Any ASGI app served by uvicorn on a free 127.0.0.1 port in a background thread."""

    def __init__(self, *, lifespan: str = "off") -> None:
        self._lifespan = lifespan
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self, app: Any) -> None:
        """Serve `app` until stop(); returns once the port accepts connections."""
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan=self._lifespan)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the server on {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut the server down: the phone now has no server to reach at all."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = None


class PassSite(ServerThread):
    """The fake pass site: passes by token, mutable by the test while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.passes: dict[str, FakePass] = {}

    def add(self, token: str) -> FakePass:
        """Issue a new pass reachable at /p/{token}."""
        self.passes[token] = made = make_pass(token)
        return made

    def start(self) -> None:
        """Serve the fake app."""
        self.serve(build_app(self.passes))
