"""Every way a visitor is added goes through one invitation: a meeting visitor's pass does not
open the lobby gate before check-in, the invitation e-mail carries the pass link, and a
deny-listed visitor is held (no link, no e-mail) on every path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from support.office import bearer
from support.receivers import QuietHandler, serving

from officegate.protocol import Reason
from officegate.server.settings import Settings

from .conftest import DENIED, Inbox, Rooms, held, lobby_gate, open_pass, visit_of


def _window() -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    return start, start + timedelta(hours=1)


def _gated_and_mailed(client: TestClient, settings: Settings, rooms: Rooms, inbox: Inbox,
                      email: str) -> None:
    """The invitation e-mail reached ``email``; its pass stops at the lobby gate."""
    opened = open_pass(client, inbox.link_for(email))
    assert "lobby" not in opened["zones"]
    assert lobby_gate(settings, rooms.office, opened) is Reason.WRONG_DOOR


def _denied_held(settings: Settings, inbox: Inbox) -> None:
    assert held(settings, visit_of(settings, DENIED))
    assert inbox.to(DENIED) == []


def test_api_invitation(client: TestClient, settings: Settings, rooms: Rooms,
                        inbox: Inbox) -> None:
    start, end = _window()
    host = bearer(client, rooms.office.host)
    for name, email in (("Ann Lee", "ann@example.org"), ("Mallory", DENIED)):
        r = client.post("/api/visits", headers=host, json={
            "visitor_name": name, "visitor_email": email, "starts_at": start.isoformat(),
            "ends_at": end.isoformat(), "zones": ["lobby"]})
        assert r.status_code == 201, r.text
    assert r.json()["status"] == "held" and r.json()["pass_url"] is None
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def test_meeting_booking(client: TestClient, settings: Settings, rooms: Rooms,
                         inbox: Inbox) -> None:
    start, end = _window()
    r = client.post("/api/meetings", headers=bearer(client, rooms.office.host), json={
        "room": rooms.room, "title": "Review", "starts_at": start.isoformat(),
        "ends_at": end.isoformat(), "visitors": [
            {"name": "Ann Lee", "email": "ann@example.org"},
            {"name": "Mallory", "email": DENIED}]})
    assert r.status_code == 201, r.text
    assert list(r.json()["pass_urls"]) == ["Ann Lee"]  # no link for the held visitor
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def _ics(host: str, start: datetime, end: datetime) -> bytes:
    fmt = "%Y%m%dT%H%M%SZ"
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//OfficeGate tests//EN", "BEGIN:VEVENT",
        "UID:review-1@example.com", f"DTSTAMP:{start.strftime(fmt)}",
        f"DTSTART:{start.strftime(fmt)}", f"DTEND:{end.strftime(fmt)}", "SUMMARY:Review",
        "LOCATION:sakura", f"ORGANIZER:mailto:{host}",
        "ATTENDEE;CN=Ann Lee:mailto:ann@example.org", f"ATTENDEE;CN=Mallory:mailto:{DENIED}",
        "END:VEVENT", "END:VCALENDAR", ""]).encode()


def test_ics_upload(client: TestClient, settings: Settings, rooms: Rooms, inbox: Inbox) -> None:
    start, end = _window()
    r = client.post("/api/meetings/import", headers={
        **bearer(client, rooms.office.host), "Content-Type": "text/calendar"},
        content=_ics(rooms.office.host, start, end))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and len(r.json()["pass_urls"]) == 1
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def test_calendar_feed_refresh(client: TestClient, settings: Settings, rooms: Rooms,
                               inbox: Inbox) -> None:
    start, end = _window()
    body = _ics(rooms.office.host, start, end)

    class Feed(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("content-type", "text/calendar")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    staff = bearer(client, rooms.office.staff)
    with serving(Feed) as port:
        r = client.post("/api/calendar-feeds", headers=staff, json={
            "url": f"http://127.0.0.1:{port}/team.ics", "room": rooms.room})
        assert r.status_code == 201, r.text
        r = client.post(f"/api/calendar-feeds/{r.json()['id']}/refresh", headers=staff)
        assert r.status_code == 200, r.text
    # The link used to be thrown away here: now the visitor has it by e-mail.
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def _invite(client: TestClient, rooms: Rooms, **body: Any) -> dict[str, Any]:
    start, end = _window()
    r = client.post("/api/invitations", headers=bearer(client, rooms.office.host),
                    json={"starts_at": start.isoformat(), "ends_at": end.isoformat(), **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_invite_page_with_a_room(client: TestClient, settings: Settings, rooms: Rooms,
                                 inbox: Inbox) -> None:
    out = _invite(client, rooms, room=rooms.room, note="Bring your ID", visitors=[
        {"name": "Ann Lee", "email": "ann@example.org", "company": "A Corp", "lang": "en"},
        {"name": "Mallory", "email": DENIED}])
    assert out["meeting_id"] and [i["status"] for i in out["invited"]] == ["invited", "held"]
    assert out["invited"][1]["pass_url"] is None
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def test_csv_group(client: TestClient, settings: Settings, rooms: Rooms, inbox: Inbox) -> None:
    csv = ("氏名,メール,会社\nAnn Lee,ann@example.org,A Corp\n"
           f"Mallory,{DENIED},\nBob,not-an-address,B Corp\n")
    r = client.post("/api/invitations/csv", headers={
        **bearer(client, rooms.office.host), "Content-Type": "text/csv"},
        content=csv.encode())
    assert r.status_code == 200, r.text
    read = r.json()
    assert [e["line"] for e in read["errors"]] == [4] and read["errors"][0]["field"] == "email"
    out = _invite(client, rooms, zones=["lobby"], visitors=read["visitors"])
    assert [i["status"] for i in out["invited"]] == ["invited", "held"]
    _gated_and_mailed(client, settings, rooms, inbox, "ann@example.org")
    _denied_held(settings, inbox)


def test_a_cleared_hold_gets_its_link_and_checks_in_unheld(
        client: TestClient, settings: Settings, rooms: Rooms, inbox: Inbox) -> None:
    out = _invite(client, rooms, zones=["lobby"], visitors=[{"name": "Mallory",
                                                             "email": DENIED}])
    visit_id = out["invited"][0]["visit_id"]
    host_try = client.post(f"/api/visits/{visit_id}/approval", json={"allow": True},
                           headers=bearer(client, rooms.office.host))
    assert host_try.status_code == 403  # a deny-list match is staff's to decide
    ok = client.post(f"/api/visits/{visit_id}/approval", json={"allow": True},
                     headers=bearer(client, rooms.office.staff))
    assert ok.status_code == 200 and ok.json()["status"] == "cleared", ok.text
    token = inbox.link_for(DENIED)
    assert ok.json()["pass_url"].endswith(token)
    opened = open_pass(client, token)
    assert lobby_gate(settings, rooms.office, opened) is Reason.WRONG_DOOR  # still gated


def test_a_refused_hold_revokes_the_pass(client: TestClient, settings: Settings,
                                         rooms: Rooms, inbox: Inbox) -> None:
    out = _invite(client, rooms, zones=["lobby"], visitors=[{"name": "Mallory",
                                                             "email": DENIED}])
    visit_id = out["invited"][0]["visit_id"]
    r = client.post(f"/api/visits/{visit_id}/approval", json={"allow": False},
                    headers=bearer(client, rooms.office.staff))
    assert r.json()["status"] == "refused"
    again = client.post(f"/api/visits/{visit_id}/approval", json={"allow": True},
                        headers=bearer(client, rooms.office.staff))
    assert again.status_code == 404  # nothing left to decide
    assert inbox.to(DENIED) == []
