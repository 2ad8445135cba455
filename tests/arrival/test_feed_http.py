"""The host page's live feed over real HTTP: uvicorn on a free port, a signed-in browser-like
client reading Server-Sent Events, a reconnect with Last-Event-ID, and strangers refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from support.receivers import serving_app

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.db import utcnow
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, at_distance, configure, invite


@pytest.fixture
def live(settings: Settings, office: Office, mqtt_broker: BrokerAddress
         ) -> Iterator[tuple[str, Any]]:
    """The app served by uvicorn on 127.0.0.1 (URL, app)."""
    app = create_app(settings, broker=mqtt_broker)
    with serving_app(app) as url:
        yield url, app


def events(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """SSE events (field -> value) from a line stream; comments are skipped."""
    event: dict[str, str] = {}
    for line in lines:
        if line == "":
            if event:
                yield event
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            event[field] = value[1:] if value.startswith(" ") else value


def _connected(lines: Iterator[str]) -> None:
    assert next(lines) == ": connected"  # listening from here on
    assert next(lines) == ""


def _fix(http: httpx.Client, token: str, metres: float, ago: float) -> dict[str, Any]:
    lat, lon = at_distance(metres)
    r = http.post(f"/api/p/{token}/location",
                  json={"lat": lat, "lon": lon, "acc": 10, "at": time.time() - ago})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_crossings_arrive_as_sse_and_a_reconnect_gets_what_it_missed(
        live: tuple[str, Any], office: Office) -> None:
    url, app = live
    with httpx.Client(base_url=url, timeout=20) as api, \
            httpx.Client(base_url=url, timeout=20) as page:
        configure(api, office)  # type: ignore[arg-type]  # same calls as the TestClient
        phone = invite(api, office)  # type: ignore[arg-type]
        assert api.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
        # The host signs in with the form, as on the host page; the feed uses the cookie.
        signed_in = page.post("/login", data={"email": office.host, "password": PASSWORD,
                                              "next": "/host"})
        assert signed_in.status_code == 303 and "og_session" in page.cookies

        with page.stream("GET", "/api/notify/feed") as feed:
            assert feed.status_code == 200
            assert feed.headers["content-type"].startswith("text/event-stream")
            lines = feed.iter_lines()
            _connected(lines)
            assert _fix(api, phone.token, 600, ago=5)["approached"] is True
            first = next(events(lines))
        assert first["event"] == "notice"
        approaching = json.loads(first["data"])
        assert approaching["kind"] == "approaching" and "Hanako" in approaching["title_en"]
        assert first["id"] == str(approaching["id"])

        # The page is closed (a tunnel, a sleeping phone): the visitor arrives meanwhile.
        _fix(api, phone.token, 10, ago=4)
        assert _fix(api, phone.token, 12, ago=2)["arrived"] is True
        with page.stream("GET", "/api/notify/feed",
                         headers={"Last-Event-ID": first["id"]}) as feed:
            lines = feed.iter_lines()
            _connected(lines)
            stream = events(lines)
            missed = next(stream)
            assert json.loads(missed["data"])["kind"] == "arrived"
            assert int(missed["id"]) > int(first["id"])
            # Live again: the next notice comes once, after the missed one.
            app.state.officegate.runtime.arrival.sweep(utcnow() + timedelta(minutes=11))
            live_one = next(stream)
        assert json.loads(live_one["data"])["kind"] == "waiting"
        assert int(live_one["id"]) > int(missed["id"])

        # Reconnecting from the newest id: nothing is replayed twice.
        with page.stream("GET", "/api/notify/feed",
                         headers={"Last-Event-ID": live_one["id"]}) as feed:
            lines = feed.iter_lines()
            _connected(lines)
            app.state.officegate.runtime.arrival.sweep(utcnow() + timedelta(minutes=22))
            again = next(events(lines))
        assert json.loads(again["data"])["title_en"].startswith("Reminder:")

        with page.stream("GET", "/api/notify/feed", headers={"Last-Event-ID": "x1"}) as bad:
            assert bad.status_code == 422
            assert json.loads(bad.read())["detail"]["code"] == "bad_last_event_id"


def test_the_feed_refuses_a_client_that_is_not_signed_in(live: tuple[str, Any]) -> None:
    url, _app = live
    with httpx.Client(base_url=url, timeout=20) as stranger:
        for headers in ({}, {"Authorization": "Bearer not-a-token"},
                        {"Cookie": "og_session=forged"}):
            with stranger.stream("GET", "/api/notify/feed", headers=headers) as r:
                assert r.status_code == 401, headers
                assert not r.headers["content-type"].startswith("text/event-stream")
