"""The console's watcher stops with the server: open console pages' streams end, the watcher
thread is gone before the database is (a test drops it right after), and a database that
goes away while it runs is reported once, not four times a second."""

from __future__ import annotations

import logging
import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from support.polling import wait_for

from officegate.server.console.hub import ConsoleHub

from .conftest import Office, sign_in


def _hub(app: FastAPI) -> ConsoleHub:
    hub = app.state.officegate.runtime.console
    assert hub is not None
    return hub


def test_shutdown_ends_the_console_streams_and_the_watcher(app: FastAPI,
                                                            office: Office) -> None:
    ended = threading.Event()
    lines: list[str] = []
    with TestClient(app) as client:
        sign_in(client, office.staff)
        hub = _hub(app)
        assert hub.running

        def read() -> None:
            with client.stream("GET", "/api/console/feed") as feed:
                for line in feed.iter_lines():
                    lines.append(line)
            ended.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        wait_for("the page's stream", lambda: hub.feed.listeners(0) == 1)
    # The server stopped: the stream ended by itself and nothing watches the database.
    assert ended.wait(30), "the console stream outlived the server"
    assert lines[0] == ": connected"
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

