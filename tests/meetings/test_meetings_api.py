"""Meetings through the HTTP API: booking, moving, cancelling, iCalendar upload and feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Office, bearer
from fastapi.testclient import TestClient
from meetings_helpers import calendar, tokyo
from support.receivers import QuietHandler, serving


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


START = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)


def _book(client: TestClient, office: Office, **changes: object) -> dict:
    body: dict[str, object] = {
        "room": "sakura", "title": "Partner sync", "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=1)).isoformat(), "employees": [office.colleague],
        "visitors": [{"name": "田中 愛子 Aiko Tanaka", "email": "aiko@partner.example.jp"}]}
    body.update(changes)
    r = client.post("/api/meetings", json=body, headers=bearer(client, office.host))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_host_books_a_room_and_the_visitor_link_opens_a_pass_for_that_door(
        client: TestClient, office: Office) -> None:
    meeting = _book(client, office)
    assert meeting["room"] == "3F Sakura" and meeting["state"] == "upcoming"
    assert {(a["kind"], a["name"]) for a in meeting["attendees"]} == {
        ("employee", "Hana Host"), ("employee", "Ken Kato"),
        ("visitor", "田中 愛子 Aiko Tanaka")}
    link = meeting["pass_urls"]["田中 愛子 Aiko Tanaka"]
    token = link.rsplit("/p/", 1)[1]
    opened = client.post(f"/api/p/{token}/open", json={"device_id": "phone-0123456789abcdef"})
    assert opened.status_code == 200, opened.text
    # Hana (an employee) gets her own pass from the API.
    mine = client.get(f"/api/meetings/{meeting['id']}/pass", headers=bearer(client, office.host))
    assert mine.status_code == 200 and mine.json()["cose_b45"]


def test_double_booking_is_refused_and_bad_input_gets_reasons(client: TestClient,
                                                              office: Office) -> None:
    _book(client, office)
    clash = client.post("/api/meetings", headers=bearer(client, office.colleague), json={
        "room": "sakura", "starts_at": (START + timedelta(minutes=30)).isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat()})
    assert clash.status_code == 409 and clash.json()["detail"]["code"] == "room_taken"
    headers = bearer(client, office.host)
    nowhere = client.post("/api/meetings", headers=headers, json={
        "room": "attic", "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=1)).isoformat()})
    assert nowhere.status_code == 404 and nowhere.json()["detail"]["code"] == "unknown_room"
    backwards = client.post("/api/meetings", headers=headers, json={
        "room": "kaede", "starts_at": START.isoformat(),
        "ends_at": (START - timedelta(hours=1)).isoformat()})
    assert backwards.status_code == 422
    assert backwards.json()["detail"]["code"] == "bad_window"
    naive = client.post("/api/meetings", headers=headers, json={
        "room": "kaede", "starts_at": "2026-12-01T10:00:00", "ends_at": "2026-12-01T11:00:00"})
    assert naive.status_code == 422


def test_moving_and_cancelling_are_the_hosts_own(client: TestClient, office: Office) -> None:
    meeting = _book(client, office)
    url = f"/api/meetings/{meeting['id']}"
    later = START + timedelta(hours=1)
    other = client.patch(url, headers=bearer(client, office.colleague), json={
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()})
    assert other.status_code == 403
    moved = client.patch(url, headers=bearer(client, office.host), json={
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["ends_at"]) == later + timedelta(hours=2)
    cancelled = client.post(f"{url}/cancel", headers=bearer(client, office.host))
    assert cancelled.json()["state"] == "cancelled"
    gone = client.get(f"{url}/pass", headers=bearer(client, office.host))
    assert gone.status_code == 410


def _import(client: TestClient, office: Office, name: str, room: str | None = "sakura",
            as_form: bool = True) -> dict:
    headers = bearer(client, office.host)
    params = {"room": room} if room else {}
    if as_form:
        r = client.post("/api/meetings/import", params=params, headers=headers,
                        files={"file": (name, calendar(name), "text/calendar")})
    else:
        r = client.post("/api/meetings/import", params=params, content=calendar(name),
                        headers={**headers, "Content-Type": "text/calendar"})
    return {"status": r.status_code, **r.json()}


def _day(client: TestClient, office: Office, offset: int, room: str = "sakura") -> list[dict]:
    day = tokyo(offset, 12).date().isoformat()
    r = client.get("/api/meetings", params={"day": day, "room": room},
                   headers=bearer(client, office.staff))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_google_export_import_update_and_stale_copy(client: TestClient, office: Office) -> None:
    first = _import(client, office, "google_weekly.ics")
    assert first["status"] == 200, first
    # Three weekly occurrences and the all-day event, a whole-day booking of the room.
    assert (first["created"], first["skipped_all_day"]) == (4, 0)
    assert len(first["pass_urls"]) == 3  # Aiko, once per occurrence
    assert all(label.startswith("田中 愛子 Aiko Tanaka (") and label.endswith(" JST)")
               for label in first["pass_urls"])  # the site's clock, not UTC
    moved = _day(client, office, 14)
    assert [(m["title"], _t(m["starts_at"])) for m in moved] == [
        ("Partner weekly sync (moved to the afternoon)", tokyo(14, 14))]
    assert {a["name"] for a in moved[0]["attendees"]} == {"Hana Host", "田中 愛子 Aiko Tanaka"}

    again = _import(client, office, "google_weekly.ics", as_form=False)
    assert (again["created"], again["unchanged"]) == (0, 4)

    update = _import(client, office, "google_weekly_updated.ics")
    assert (update["created"], update["updated"], update["cancelled"]) == (0, 2, 1)
    # The moved occurrence no longer lists Aiko (SEQUENCE 3): her pass for it goes.
    assert (update["attendees_added"], update["attendees_removed"]) == (0, 1)
    assert {a["name"] for a in _day(client, office, 14)[0]["attendees"]} == {"Hana Host"}
    first_day = [m for m in _day(client, office, 0) if not m["all_day"]]
    assert _t(first_day[0]["ends_at"]) == tokyo(0, 11, 30)  # extended
    assert _day(client, office, 21)[0]["state"] == "cancelled"  # EXDATE added

    stale = _import(client, office, "google_weekly.ics")
    assert stale["stale"] == 3 and stale["created"] == 0
    assert stale["attendees_added"] == 0  # an old copy does not bring Aiko back
    assert [_t(m["ends_at"]) for m in _day(client, office, 0) if not m["all_day"]] == [
        tokyo(0, 11, 30)]


def test_outlook_series_in_the_room_it_names_then_cancelled(client: TestClient,
                                                             office: Office) -> None:
    imported = _import(client, office, "outlook_daily.ics", room=None)
    assert imported["created"] == 5, imported
    day0 = _day(client, office, 0, room="kaede")
    assert day0[0]["host_email"] == office.colleague  # the ORGANIZER, a known employee
    assert _t(day0[0]["starts_at"]) == tokyo(0, 9)

    one = _import(client, office, "outlook_cancel_one.ics", room=None)
    assert one["cancelled"] == 1
    assert _day(client, office, 2, room="kaede")[0]["state"] == "cancelled"
    assert _day(client, office, 3, room="kaede")[0]["state"] == "upcoming"

    series = _import(client, office, "outlook_cancel_series.ics", room=None)
    assert series["cancelled"] == 4
    assert all(_day(client, office, d, room="kaede")[0]["state"] == "cancelled"
               for d in range(5))


@pytest.mark.parametrize("name, room, code", [
    ("broken_second_event.ics", "sakura", "bad_calendar"),
    # Parses fine, but names a room we do not have and gives no default: nothing half-way.
    ("outlook_daily.ics", None, None),
])
def test_a_bad_file_imports_nothing(client: TestClient, office: Office, name: str,
                                    room: str | None, code: str | None) -> None:
    data = calendar(name)
    if code is None:
        data = data.replace(b"3F Kaede", b"B2 Boiler room")
    r = client.post("/api/meetings/import", params={"room": room} if room else {},
                    content=data, headers={**bearer(client, office.host),
                                           "Content-Type": "text/calendar"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == (code or "unknown_room")
    assert r.json()["detail"]["message_ja"]
    for offset in range(5):
        for room_name in ("sakura", "kaede"):
            assert _day(client, office, offset, room=room_name) == []


@pytest.fixture
def calendar_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server publishing one .ics feed whose content the test changes."""
    content = {"ics": calendar("outlook_daily.ics")}

    class Feed(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = content["ics"]
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Feed) as port:
        yield f"http://127.0.0.1:{port}/kaede.ics", content


def test_subscribed_feed_is_read_and_re_read(client: TestClient, office: Office,
                                             calendar_server: tuple[str, dict[str, bytes]]
                                             ) -> None:
    url, content = calendar_server
    staff = bearer(client, office.staff)
    feed = client.post("/api/calendar-feeds", json={"url": url, "room": "kaede"}, headers=staff)
    assert feed.status_code == 201, feed.text
    first = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    assert first.status_code == 200 and first.json()["created"] == 5
    content["ics"] = content["ics"].replace(b"SEQUENCE:0", b"SEQUENCE:1").replace(
        b"T091500", b"T093000")
    second = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    assert second.json()["updated"] == 5
    assert _t(_day(client, office, 1, room="kaede")[0]["ends_at"]) == tokyo(1, 9, 30)
    content["ics"] = b"<html>login required</html>"
    broken = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    assert broken.status_code == 422 and broken.json()["detail"]["code"] == "feed_unusable"
    bad_url = client.post("/api/calendar-feeds", json={"url": "file:///etc/passwd",
                                                       "room": "kaede"}, headers=staff)
    assert bad_url.status_code == 422


def test_periodic_refresh_reads_every_feed_and_notes_a_broken_one(
        client: TestClient, office: Office, calendar_server: tuple[str, dict[str, bytes]]
        ) -> None:
    from officegate.server.meetings.settings import MeetingSettings
    from officegate.server.occupancy.jobs import refresh_feeds

    url, _content = calendar_server
    staff = bearer(client, office.staff)
    client.post("/api/calendar-feeds", json={"url": url, "room": "kaede"}, headers=staff)
    client.post("/api/calendar-feeds", json={"url": "http://127.0.0.1:9/gone.ics",
                                             "room": "sakura"}, headers=staff)
    refresh_feeds(client.app.state.officegate, MeetingSettings())  # type: ignore[attr-defined]
    assert len(_day(client, office, 0, room="kaede")) == 1
    from officegate.server.db import session_scope
    from officegate.server.meetings import feeds

    with session_scope(client.app.state.officegate.sessions) as db:  # type: ignore[attr-defined]
        errors = {f.url: f.last_error for f in feeds.all_feeds(db=db)}
    assert errors[url] is None
    assert "could not read the feed" in (errors["http://127.0.0.1:9/gone.ics"] or "")
