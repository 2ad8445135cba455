"""What every HTTP request passes through: the body guard, security headers, throttling.

``install(app, settings)`` is the one line ``create_app`` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from officegate.server.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to ``app``; the last added runs first, so security headers reach
    every answer (refusals included) and throttling refuses before a body is read."""
    from officegate.server.http.body import BodyGuard
    from officegate.server.http.docs import protect_docs
    from officegate.server.http.guessing import GuessGuard
    from officegate.server.http.headers import SecurityHeaders
    from officegate.server.http.openapi import document_errors
    from officegate.server.http.throttle import make_throttle

    state = app.state.officegate
    app.state.throttle = make_throttle(settings, engine=state.engine, sessions=state.sessions)
    app.add_middleware(BodyGuard)
    app.add_middleware(GuessGuard, throttle=app.state.throttle)
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))
    protect_docs(app)
    document_errors(app)
