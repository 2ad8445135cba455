"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from officegate.mqtt import BrokerAddress
from officegate.server.auth.csrf import SameOriginGuard
from officegate.server.bootstrap import prepare, session_secret
from officegate.server.deps import LoginRequired, ServerState
from officegate.server.error_pages import error_page
from officegate.server.errors import OfficeGateError
from officegate.server.http import install as guard_http
from officegate.server.i18n.jinja import install as install_i18n
from officegate.server.privacy.logs import install_log_redaction, redact_pass_links
from officegate.server.routers import ROUTERS
from officegate.server.runtime import ServerRuntime
from officegate.server.settings import Settings
from officegate.server.sites.clock import site_templates

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent / "web"
STATIC_DIR = WEB_DIR / "static"


def create_app(settings: Settings, *, broker: BrokerAddress | None = None) -> FastAPI:
    """Build the app: migrate the database, ensure site and key, mount the routers.

    Its lifespan starts the server runtime (runtime.py): MQTT goes to ``broker`` if given,
    else to ``settings.mqtt_url``, else to an embedded broker it starts itself
    (``app.state.officegate.broker`` says which).
    """
    if settings.mqtt_share_group and broker is None and not settings.mqtt_url:
        raise ValueError("OFFICEGATE_MQTT_SHARE_GROUP needs an external broker that supports "
                         "shared subscriptions (Mosquitto 2): set OFFICEGATE_MQTT_URL. The "
                         "embedded broker (amqtt) has no $share subscriptions.")
    install_log_redaction()  # pass links never reach a log (uvicorn, httpx)
    engine, sessions = prepare(settings)
    # Pages render times in the site's time zone (the |localtime filter).
    templates = site_templates(WEB_DIR / "templates", sessions=sessions, site=settings.site)
    install_i18n(templates.env)  # gettext in the templates: one language at a time
    state = ServerState(settings=settings, engine=engine, sessions=sessions,
                        templates=templates)

    runtime = ServerRuntime(state=state, given_broker=broker)
    state.runtime = runtime

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()  # broker, bridge, vending, rooms, arrival, messaging, reactions
        try:
            yield
        finally:
            await runtime.stop()
            engine.dispose()

    app = FastAPI(title="OfficeGate", version="0.1.0", lifespan=lifespan, description=(
        "Visitor access for an office. Errors are `{\"detail\": {\"code\", \"message_en\", "
        "\"message_ja\"}}`. No text may contain U+0000 (NUL): a body, form, query or path "
        "that holds it is refused with 400 `nul_character`."))
    app.state.officegate = state
    app.add_middleware(
        SessionMiddleware, secret_key=session_secret(settings), session_cookie="og_session",
        max_age=12 * 3600, same_site="lax", https_only=settings.secure_cookies,
    )
    # Outside the session: a cross-site form post signed in by the cookie is refused (403).
    app.add_middleware(SameOriginGuard, base_url=settings.base_url, session_cookie="og_session")
    _add_error_handlers(app)
    guard_http(app, settings)  # body limits, throttling, security headers, docs login
    # Outermost: pages, scripts and JSON compressed for phones on a slow signal (server-sent
    # events are never buffered: Starlette leaves text/event-stream alone).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    for router in ROUTERS:
        app.include_router(router)
    add_static_bundles(app)  # before the /static mount, which would answer first
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")

    @app.get("/sw.js", include_in_schema=False)
    def service_worker() -> Response:
        path = STATIC_DIR / "sw.js"
        if not path.is_file():
            return JSONResponse({"detail": "no service worker installed"}, status_code=404)
        # Allowed scope "/" lets the worker, served from here, control /p/... pages.
        return FileResponse(path, media_type="text/javascript", headers={
            "Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/staff", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


# What the pass page needs to draw its first QR, in order, as one script: a phone on a slow
# signal makes one request for it instead of five (benchmarks/pass_page.py).
BUNDLES = {
    "pass-bundle.js": ("vendor/qrcode.js", "qrdraw.js", "totp.js", "i18n.js", "pass.js"),
}


def add_static_bundles(app: FastAPI) -> None:
    """Serve each of BUNDLES at /static/{name} (add before mounting /static)."""
    def bundle(parts: tuple[str, ...]) -> str:
        return "\n;\n".join(f"/* {part} */\n" + (STATIC_DIR / part).read_text("utf-8")
                             for part in parts)

    for name, parts in BUNDLES.items():
        def serve(parts: tuple[str, ...] = parts) -> Response:
            # Read per request: as fresh as the files beside it (a page cache sits in front).
            return Response(bundle(parts), media_type="text/javascript",
                            headers={"Cache-Control": "no-cache"})

        app.add_api_route(f"/static/{name}", serve, methods=["GET"], include_in_schema=False)


def _add_error_handlers(app: FastAPI) -> None:
    # A person's browser opening a page gets a page (error_page); API clients get JSON.
    @app.exception_handler(OfficeGateError)
    async def service_error(request: Request, exc: OfficeGateError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return error_page(request, exc.status_code, exc.message_ja, exc.message_en) or \
            JSONResponse({"detail": exc.detail()}, status_code=exc.status_code,
                         headers=headers)

    @app.exception_handler(LoginRequired)
    async def login_required(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Reasons only: echoing hostile input back helps nobody.
        reasons = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))} for e in exc.errors()]
        return error_page(request, 422, "入力内容をご確認ください。", "Please check the input.",
                          [f"{'.'.join(r['loc'])}: {r['msg']}" for r in reasons]) or \
            JSONResponse({"detail": reasons}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        missing = exc.status_code == 404
        return error_page(request, exc.status_code,
                          "このアドレスのページはありません。" if missing else str(exc.detail),
                          "There is no page at this address." if missing else str(exc.detail)) \
            or JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method,
                  redact_pass_links(request.url.path), exc_info=exc)
        return error_page(request, 500, "サーバーでエラーが発生しました。",
                          "Something went wrong on our side.") or \
            JSONResponse({"detail": {"code": "internal_error", "message_en":
                                     "Something went wrong on our side.", "message_ja":
                                     "サーバーでエラーが発生しました。"}}, status_code=500)
