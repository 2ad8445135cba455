"""All-day calendar events: a whole-day booking of the room in the site's local zone, never
released as a no-show during the day, recorded as one when nobody came all day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import Office, bearer
from fastapi.testclient import TestClient
from meetings_helpers import base_day

from officegate.server.meetings.ical import parse_calendar
from officegate.server.meetings.models import Meeting
from officegate.server.occupancy import service as occupancy

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.now(UTC)
WINDOW = {"window_start": NOW - timedelta(days=1), "window_end": NOW + timedelta(days=60)}


def _ics(*events: str) -> bytes:
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Corp//Calendar 1.0//EN\r\n"
            + "".join(events) + "END:VCALENDAR\r\n")
    return text.encode("utf-8")


def _all_day(uid: str, first: date, *, end: date | None = None, extra: str = "") -> str:
    lines = [f"UID:{uid}", "DTSTAMP:20261120T000000Z", "SUMMARY:Training day",
             f"DTSTART;VALUE=DATE:{first:%Y%m%d}"]
    if end is not None:
        lines.append(f"DTEND;VALUE=DATE:{end:%Y%m%d}")
    return "BEGIN:VEVENT\r\n" + "".join(f"{x}\r\n" for x in lines) + extra + "END:VEVENT\r\n"


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def test_all_day_events_are_midnight_to_midnight_in_the_site_zone() -> None:
    day = base_day()
    data = _ics(_all_day("one", day), _all_day("three", day + timedelta(days=5),
                                               end=day + timedelta(days=8)))
    tokyo = {o.uid: o for o in parse_calendar(data, default_tz=TOKYO, **WINDOW).occurrences}
    assert tokyo["one"].all_day and tokyo["three"].all_day
    # No DTEND: that one day (RFC 5545 3.6.1). Tokyo's midnight is 15:00 UTC the day before.
    assert (tokyo["one"].starts_at, tokyo["one"].ends_at) == (
        _midnight(day, TOKYO), _midnight(day + timedelta(days=1), TOKYO))
    assert tokyo["three"].ends_at - tokyo["three"].starts_at == timedelta(days=3)
    london = parse_calendar(data, default_tz=ZoneInfo("Europe/London"), **WINDOW)
    assert london.occurrences[0].starts_at == _midnight(day, ZoneInfo("Europe/London"))


def test_a_recurring_all_day_event_keeps_its_days_as_keys() -> None:
    day = base_day()
    rule = f"RRULE:FREQ=DAILY;COUNT=3\r\nEXDATE;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}\r\n"
    parsed = parse_calendar(_ics(_all_day("series", day, extra=rule)), default_tz=TOKYO,
                            **WINDOW)
    assert sorted(o.recurrence for o in parsed.occurrences) == [
        day.isoformat(), (day + timedelta(days=2)).isoformat()]


def test_an_imported_all_day_event_books_the_room_for_the_local_day(
        client: TestClient, office: Office) -> None:
    admin = bearer(client, office.admin)
    r = client.put("/api/site/timezone", json={"timezone": "America/New_York"}, headers=admin)
    assert r.status_code == 200, r.text
    day = base_day()
    r = client.post("/api/meetings/import", params={"room": "sakura"},
                    content=_ics(_all_day("offsite-prep", day)),
                    headers={**bearer(client, office.host), "Content-Type": "text/calendar"})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    seen = client.get("/api/meetings", params={"day": day.isoformat(), "room": "sakura"},
                      headers=admin).json()
    assert len(seen) == 1 and seen[0]["all_day"]
    new_york = ZoneInfo("America/New_York")
    assert datetime.fromisoformat(seen[0]["starts_at"]) == _midnight(day, new_york)
    assert datetime.fromisoformat(seen[0]["ends_at"]) == _midnight(day + timedelta(days=1),
                                                                   new_york)
    # A booking for the same room that day is refused: the room is taken all day.
    noon = _midnight(day, new_york) + timedelta(hours=12)
    clash = client.post("/api/meetings", headers=bearer(client, office.colleague), json={
        "room": "sakura", "title": "Lunch sync", "starts_at": noon.isoformat(),
        "ends_at": (noon + timedelta(hours=1)).isoformat()})
    assert clash.status_code == 409


def test_an_unused_all_day_booking_is_kept_all_day_and_recorded_as_a_no_show_after(
        client: TestClient, office: Office) -> None:
    day = base_day()
    r = client.post("/api/meetings/import", params={"room": "kaede"},
                    content=_ics(_all_day("hold", day), _timed("short", day)),
                    headers={**bearer(client, office.host), "Content-Type": "text/calendar"})
    assert r.status_code == 200 and r.json()["created"] == 2, r.text
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]
    start = _midnight(day, TOKYO)

    def sweep(at: datetime) -> tuple[dict[str, str], list[str]]:
        with sessions() as db:
            update = occupancy.sweep(db=db, now=at, site=office.site)
            db.commit()
            rows = db.query(Meeting).filter(Meeting.ical_uid.in_(["hold", "short"])).all()
            return {m.ical_uid or "": m.status for m in rows}, [e.kind for e in update.events]

    # Noon, nobody in either: the 09:00 meeting is released, the all-day hold is not.
    status, kinds = sweep(start + timedelta(hours=12))
    assert status == {"hold": "scheduled", "short": "no_show"} and kinds.count("no_show") == 1
    # The day is over and nobody came: recorded as a no-show, nobody told (nothing to free).
    status, kinds = sweep(start + timedelta(days=1, minutes=1))
    assert status["hold"] == "no_show" and "no_show" not in kinds


def _timed(uid: str, day: date) -> str:
    return ("BEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261120T000000Z\r\nSUMMARY:Stand-up\r\n"
            f"DTSTART;TZID=Asia/Tokyo:{day:%Y%m%d}T090000\r\n"
            f"DTEND;TZID=Asia/Tokyo:{day:%Y%m%d}T093000\r\nEND:VEVENT\r\n")
