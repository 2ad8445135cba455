"""How the staff console joins the app: one router (app.py includes it) whose lifespan
starts the console hub (live feed, alarm dispatcher)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

from officegate.server.access.log_routes import router as access_log_router
from officegate.server.alerts import service as alerts
from officegate.server.alerts.routes import router as alerts_router
from officegate.server.console.hub import ConsoleHub
from officegate.server.console.records import router as records_router
from officegate.server.console.routes import router as console_router
from officegate.server.deps import ServerState
from officegate.server.messaging.config import MessagingConfig


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the hub; the alarm dispatcher sends mail with the messaging SMTP settings."""
    state: ServerState = app.state.officegate
    state.templates.env.globals["alarm_label"] = lambda kind: alerts.label(kind)[0]
    config = getattr(app.state, "messaging_config", None) or MessagingConfig()
    hub = ConsoleHub(state, config=config)
    app.state.console_hub = hub
    await run_in_threadpool(hub.start)
    try:
        yield
    finally:
        app.state.console_hub = None
        await run_in_threadpool(hub.stop)


router = APIRouter(lifespan=lifespan)
for _sub in (console_router, alerts_router, access_log_router, records_router):
    router.include_router(_sub)
