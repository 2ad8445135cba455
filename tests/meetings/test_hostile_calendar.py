"""Calendar input that cannot hurt the server: a 196-byte .ics with ``RRULE:FREQ=SECONDLY``
used to freeze every request for minutes; now each file is read in a child process within
a time and memory budget and the occurrence cap applies while recurrence is expanded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Office, bearer
from fastapi.testclient import TestClient
from meetings_helpers import calendar
from support.receivers import QuietHandler, serving

from officegate.server.meetings.ical import parse_calendar
from officegate.server.meetings.recurrence import CalendarRefused


def _ics(dtstart: str, rule: str) -> bytes:
    """One recurring event, the shape of the hostile file from issue 12."""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:flood@example.com\r\nDTSTART:{dtstart}\r\nDURATION:PT5M\r\n"
            f"RRULE:{rule}\r\nSUMMARY:x\r\nLOCATION:3F Sakura\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n").encode()


SOON = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT090000Z")
SECONDLY = _ics(SOON, "FREQ=SECONDLY")
# Passes the frequency check (a quarter-hour grid) but starts in 1900: dateutil walks
# every quarter hour since then before reaching the window (~10 s and ~270 MB here).
SLOW = _ics("19000101T090000Z", "FREQ=HOURLY;BYMINUTE=0,15,30,45")


def _post(client: TestClient, office: Office, data: bytes) -> dict:
    r = client.post("/api/meetings/import", params={"room": "sakura"}, content=data,
                    headers={**bearer(client, office.host), "Content-Type": "text/calendar"})
    return {"status": r.status_code, **r.json()}


def _budget(client: TestClient, monkeypatch: pytest.MonkeyPatch, **budget: float) -> None:
    """Set the running server's calendar budget (OFFICEGATE_MEETINGS_PARSE_*)."""
    config = client.app.state.officegate.settings.meetings  # type: ignore[attr-defined]
    for name, value in budget.items():
        monkeypatch.setattr(config, f"parse_{name}", value)


def _code(answer: dict) -> str | None:
    return answer.get("detail", {}).get("code") if isinstance(answer.get("detail"),
                                                                dict) else None


def test_the_secondly_file_is_refused_at_once_with_its_code(client: TestClient,
                                                            office: Office) -> None:
    answer = _post(client, office, SECONDLY)
    assert answer["status"] == 422 and _code(answer) == "recurrence_too_frequent", answer
    assert "SECONDLY" in answer["detail"]["message_en"] and answer["detail"]["message_ja"]
    # The server still works and imported nothing.
    normal = _post(client, office, calendar("outlook_daily.ics"))
    assert normal["status"] == 200 and normal["created"] == 5, normal


def test_the_cap_stops_the_expansion_not_the_end_of_it() -> None:
    # 96 a day for 60 days is 5,760 occurrences: refused as soon as the 5,001st is made.
    now = datetime.now(UTC)
    with pytest.raises(CalendarRefused) as caught:
        parse_calendar(_ics(SOON, "FREQ=HOURLY;BYMINUTE=0,15,30,45"),
                       window_start=now - timedelta(days=1), window_end=now + timedelta(days=60))
    assert caught.value.code == "too_many_occurrences"


def test_a_file_over_the_time_budget_gets_422_and_others_are_served_meanwhile(
        client: TestClient, office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    _budget(client, monkeypatch, seconds=3)
    answers: list[dict] = []
    importing = threading.Thread(target=lambda: answers.append(_post(client, office, SLOW)))
    importing.start()
    try:
        # While the file is being read, the event loop still answers other requests.
        rooms = client.get("/api/rooms", headers=bearer(client, office.host))
        assert rooms.status_code == 200
        assert importing.is_alive(), "the import finished before the other request"
    finally:
        importing.join()
    assert answers[0]["status"] == 422 and _code(answers[0]) == "calendar_too_costly", answers
    assert "3 s" in answers[0]["detail"]["message_en"]


def test_a_file_over_the_memory_budget_gets_422(client: TestClient, office: Office,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _budget(client, monkeypatch, seconds=120, memory_mb=48)
    answer = _post(client, office, SLOW)
    assert answer["status"] == 422 and _code(answer) == "calendar_too_costly", answer
    assert "48 MiB" in answer["detail"]["message_en"]


@pytest.fixture
def hostile_feed() -> Iterator[str]:
    """A real HTTP server publishing the hostile file as a calendar feed."""

    class Feed(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            if self.path == "/huge.ics":  # no Content-Length: read until the server stops
                self.send_header("Connection", "close")
                self.end_headers()
                line = b"X-FILLER:" + b"x" * 60 + b"\r\n"
                try:
                    for _ in range(3 * 1024 * 1024 // len(line)):
                        self.wfile.write(line)
                except OSError:
                    pass  # the reader hung up once it had enough: that is the point
                return
            self.send_header("Content-Length", str(len(SECONDLY)))
            self.end_headers()
            self.wfile.write(SECONDLY)

    with serving(Feed) as port:
        yield f"http://127.0.0.1:{port}/flood.ics"


def test_a_hostile_feed_is_refused_the_same_way(client: TestClient, office: Office,
                                                hostile_feed: str) -> None:
    from officegate.server.db import session_scope
    from officegate.server.meetings import feeds
    from officegate.server.occupancy.jobs import refresh_feeds

    staff = bearer(client, office.staff)
    feed = client.post("/api/calendar-feeds", json={"url": hostile_feed, "room": "kaede"},
                       headers=staff)
    assert feed.status_code == 201, feed.text
    now = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    assert now.status_code == 422 and now.json()["detail"]["code"] == "recurrence_too_frequent"
    state = client.app.state.officegate  # type: ignore[attr-defined]
    refresh_feeds(state, state.settings.meetings)
    with session_scope(client.app.state.officegate.sessions) as db:  # type: ignore[attr-defined]
        error = feeds.get_feed(db=db, feed_id=feed.json()["id"]).last_error
    assert error is not None and "more often than a meeting" in error


def test_a_feed_larger_than_the_limit_is_not_read_to_its_end(client: TestClient,
                                                             office: Office,
                                                             hostile_feed: str) -> None:
    staff = bearer(client, office.staff)
    url = hostile_feed.replace("/flood.ics", "/huge.ics")
    feed = client.post("/api/calendar-feeds", json={"url": url, "room": "kaede"},
                       headers=staff)
    assert feed.status_code == 201, feed.text
    r = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "calendar_too_large"
