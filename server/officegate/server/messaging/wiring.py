"""The messaging domain's one router, and its start-up: runtime and journey subscriptions.

``app.include_router(messaging_router)`` is all the app does; the router's lifespan builds
the :class:`Messaging` runtime (config from ``app.state.messaging_config`` when a test or
the demo set one, else from the environment) and subscribes to every journey kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from officegate.server.bootstrap import session_secret
from officegate.server.channels.mailroom import MailroomServer
from officegate.server.channels.routes import router as webhooks_router
from officegate.server.deps import ServerState
from officegate.server.faq.routes import router as faq_router
from officegate.server.journey import JourneyEvent
from officegate.server.messaging.chat_routes import router as chat_router
from officegate.server.messaging.config import MessagingConfig
from officegate.server.messaging.pages import router as pages_router
from officegate.server.messaging.routes import router as inbox_router
from officegate.server.messaging.runtime import Messaging
from officegate.server.proactive import schedule
from officegate.server.proactive import service as proactive

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ServerState = app.state.officegate
    config = getattr(app.state, "messaging_config", None) or MessagingConfig()
    rt = Messaging.build(sessions=state.sessions, config=config, site=state.settings.site,
                         site_name=state.settings.site_name, base_url=state.settings.base_url,
                         secret=session_secret(state.settings))
    previous = getattr(app.state, "messaging", None)
    app.state.messaging = rt
    if previous is None:  # the bus has no unsubscribe: subscribe once per app

        def on_event(event: JourneyEvent) -> None:
            proactive.handle(app.state.messaging, event)

        state.journey.subscribe("*", on_event)
    mailroom = None
    if config.smtp_listen_port is not None:
        mailroom = MailroomServer(rt, host=config.smtp_listen_host, port=config.smtp_listen_port,
                                  max_bytes=config.inbound_mail_max_bytes)
        await asyncio.to_thread(mailroom.start)
        log.info("SMTP receiver for %s on %s:%s", rt.reply_mailbox, config.smtp_listen_host,
                 config.smtp_listen_port)
    sweeper = asyncio.create_task(schedule.run_forever(sessions=state.sessions,
                                                       journey=state.journey))
    try:
        yield
    finally:
        sweeper.cancel()
        if mailroom is not None:
            await asyncio.to_thread(mailroom.stop)
        rt.close()


router = APIRouter(lifespan=_lifespan)
for sub in (chat_router, inbox_router, pages_router, webhooks_router, faq_router):
    router.include_router(sub)
