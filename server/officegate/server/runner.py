"""Run the server with uvicorn: ``serve(settings)`` (blocking) or ``ServerThread`` (demo)."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.privacy.logs import RedactPassLinks, install_log_redaction
from officegate.server.settings import Settings

__all__ = ["RedactPassLinks", "ServerThread", "serve"]


def serve(settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Create the app from ``settings`` (default: from the environment) and serve it."""
    settings = settings or Settings()
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level,
                            proxy_headers=True)
    server = uvicorn.Server(config)
    install_log_redaction()
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
        install_log_redaction()
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
