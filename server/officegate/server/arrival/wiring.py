"""How arrival, notifications, check-in and on-site join the app: one router (app.py
includes it) whose lifespan starts the hub and the OwnTracks MQTT listener."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

from officegate.server.arrival import ingest
from officegate.server.arrival.hub import ArrivalHub
from officegate.server.arrival.mqtt import OwnTracksListener
from officegate.server.arrival.routes import router as arrival_router
from officegate.server.checkin.routes import router as checkin_router
from officegate.server.deps import ServerState
from officegate.server.notify.mail import host_mailer
from officegate.server.notify.routes import router as notify_router
from officegate.server.onsite.routes import router as onsite_router

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """Start the hub after the app's own start-up (the bridge and broker are known then)."""
    state: ServerState = app.state.officegate
    hub = ArrivalHub(state)
    # Hosts hear by e-mail with no set-up: the server's SMTP settings (notify/mail.py).
    hub.notifier.mailer = host_mailer(getattr(app.state, "messaging_config", None))
    app.state.arrival_hub = hub
    hub.start()
    listener = None
    if state.broker is not None:

        def feed(user: str, payload: bytes, now: float) -> list[dict[str, Any]]:
            return ingest.owntracks_message(hub, user=user, password=None, payload=payload,
                                            now=now)

        listener = OwnTracksListener(
            broker=state.broker, ingest=feed,
            client_id=f"officegate-owntracks-{state.settings.site}-{int(time.time() * 1000)}"[:64])
        await run_in_threadpool(listener.start)
    hub.owntracks = listener
    try:
        yield {}
    finally:
        if listener is not None:
            await run_in_threadpool(listener.stop)
        await run_in_threadpool(hub.stop)


router = APIRouter(lifespan=lifespan)
for _sub in (arrival_router, notify_router, checkin_router, onsite_router):
    router.include_router(_sub)
