"""Run the server with uvicorn: ``serve(settings)`` (blocking) or ``ServerThread`` (demo)."""

from __future__ import annotations

import logging
import re
import threading
import time

import uvicorn
from fastapi import FastAPI

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app, redact_pass_links
from officegate.server.settings import Settings

# Secrets that travel in a query string: WhatsApp's subscription handshake token and the
# lobby poster's daily code (/c/{site}?d=...&k=...).
_SECRET_QUERY = re.compile(r"([?&](?:hub\.verify_token|k)=)[^&\s\"]*")


def redact_access_line(text: str) -> str:
    """``text`` with pass link tokens and secret query values masked."""
    return _SECRET_QUERY.sub(r"\1***", redact_pass_links(text))


class RedactPassLinks(logging.Filter):
    """Masks pass link tokens, the WhatsApp verify token and the poster code in uvicorn's
    access log: each is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_access_line(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def _install_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPassLinks) for f in access.filters):
        access.addFilter(RedactPassLinks())


def serve(settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Create the app from ``settings`` (default: from the environment) and serve it."""
    settings = settings or Settings()
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level,
                            proxy_headers=True)
    server = uvicorn.Server(config)
    _install_redaction()
    server.run()


class ServerThread:
    """The server running in a background thread, for the demo and end-to-end tests.

    ``start()`` returns once the app is serving (bridge connected or retrying);
    ``broker`` is where its bridge connects (the embedded broker when none was configured).
    """

    def __init__(self, settings: Settings, *, broker: BrokerAddress | None = None,
                 log_level: str = "warning") -> None:
        self.settings = settings
        self.app: FastAPI = create_app(settings, broker=broker)
        config = uvicorn.Config(self.app, host=settings.host, port=settings.port,
                                log_level=log_level, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="officegate-server",
                                        daemon=True)

    @property
    def broker(self) -> BrokerAddress | None:
        """The broker address the bridge uses (known after ``start()``)."""
        broker: BrokerAddress | None = self.app.state.officegate.broker
        return broker

    def start(self, timeout: float = 30.0) -> ServerThread:
        """Start serving; raises RuntimeError if the server does not come up in time."""
        _install_redaction()
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the OfficeGate server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the lifespan shutdown (bridge, embedded broker)."""
        self._server.should_exit = True
        self._thread.join(timeout=30)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
