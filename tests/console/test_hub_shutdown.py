"""The console's watcher stops with the server: open console pages' streams end, the watcher
thread is gone before the database is (a test drops it right after), and a database that
goes away while it runs is reported once, not four times a second."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from support.polling import wait_for

from officegate.server.console.hub import ConsoleHub

from .conftest import Office


def _hub(app: FastAPI) -> ConsoleHub:
    hub = app.state.officegate.runtime.console
    assert hub is not None
    return hub


def test_shutdown_ends_the_console_streams_and_the_watcher(app: FastAPI) -> None:
    ended = threading.Event()
    chunks: list[str] = []
    with TestClient(app):
        hub = _hub(app)
        assert hub.running

        def page() -> None:  # an open console page: the stream /api/console/feed returns
            async def read() -> None:
                async for chunk in hub.feed.stream(0):
                    chunks.append(chunk)
            asyncio.run(read())
            ended.set()

        threading.Thread(target=page, daemon=True).start()
        wait_for("the page's stream", lambda: hub.feed.listeners(0) == 1)
    # The server stopped: the stream ended by itself and nothing watches the database.
    assert ended.wait(30), "the console stream outlived the server"
    assert chunks == [": connected\n\n"]
    assert not hub.running


def test_a_database_that_goes_away_is_reported_once(app: FastAPI, office: Office,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[int] = []

    def broken(_zone: str) -> None:
        rounds.append(1)
        raise OperationalError("SELECT 1", {}, Exception("the database is gone"))

    with TestClient(app), caplog.at_level(logging.WARNING, logger="officegate.server.console"):
        hub = _hub(app)
        hub.dispatcher.deliver_pending = broken  # type: ignore[method-assign]
        wait_for("a dozen failed rounds", lambda: len(rounds) >= 12)
        failures = [r for r in caplog.records if "console watcher" in r.getMessage()]
        assert len(failures) == 1 and failures[0].exc_info is not None
    assert not hub.running

