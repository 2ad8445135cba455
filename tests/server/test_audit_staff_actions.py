"""Staff and host actions beyond doors and passes are on the audit log too: the inbox
(reply, note, assign, close), rooms, meetings, calendar imports and feeds, vending machines,
notification targets, FAQ edits, a host's own visit actions, signing in and out through the
page. Each appears once, under the person who did it, on the admin's audit page."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from fastapi.testclient import TestClient
from support.receivers import QuietHandler, serving

from .conftest import PASSWORD, Office, bearer, token_of, visit_body

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _ics(uid: str, summary: str) -> bytes:
    stamp = START.strftime("%Y%m%dT%H%M%SZ")
    end = (START + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
            f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


@pytest.fixture
def feed_url() -> Iterator[str]:
    """A calendar feed on this machine with one meeting (its address holds a token)."""
    class Feed(QuietHandler, BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = _ics("feed-1@example.com", "Review with Mr Secret")
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Feed) as port:
        yield f"http://127.0.0.1:{port}/cal.ics?token=s3cr3t-feed-token"


def _login(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/staff"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _logout(client: TestClient) -> None:
    assert client.post("/logout", follow_redirects=False).status_code == 303


def _ok(r: object) -> None:
    status = r.status_code  # type: ignore[attr-defined]
    assert status < 300, (r.request.url.path, status, r.text[:300])  # type: ignore[attr-defined]


def _inbox(client: TestClient, office: Office, staff: dict[str, str],
           host: dict[str, str]) -> None:
    """A visitor asks for a person; staff assign, reply, note (by API and page), close."""
    visit = client.post("/api/visits", json=visit_body(office, host=office.host, doors=[]),
                        headers=host)
    _ok(visit)
    token = token_of(visit.json()["pass_url"])
    _ok(client.post(f"/api/chat/{token}/messages", json={"text": "担当者と話したいです"}))
    cid = client.get("/api/conversations", headers=staff).json()[0]["id"]
    staff_id = client.get("/api/auth/me", headers=staff).json()["id"]
    _ok(client.post(f"/api/conversations/{cid}/assign", json={"user_id": staff_id},
                    headers=staff))
    _ok(client.post(f"/api/conversations/{cid}/messages", json={"text": "Coming now, Hanako"},
                    headers=staff))
    _login(client, office.staff)
    for data in ({"action": "note", "value": "Hanako is the CEO's friend"},
                 {"action": "resolved"}):
        r = client.post(f"/staff/inbox/{cid}", data=data, follow_redirects=False)
        assert r.status_code == 303 and "error=" not in r.headers["location"], r.headers
    _logout(client)


def _meetings(client: TestClient, office: Office, staff: dict[str, str],
              host: dict[str, str], feed_url: str) -> None:
    _ok(client.post("/api/rooms", json={"name": "sakura", "door": office.door}, headers=staff))
    meeting = client.post("/api/meetings", headers=host, json={
        "room": "sakura", "title": "Contract with Hanako Sato",
        "starts_at": START.isoformat(), "ends_at": (START + timedelta(hours=1)).isoformat(),
        "visitors": [{"name": "佐藤 花子 Hanako Sato", "email": "hanako@example.org"}]})
    _ok(meeting)
    mid = meeting.json()["id"]
    _ok(client.patch(f"/api/meetings/{mid}", headers=host, json={
        "starts_at": (START + timedelta(hours=2)).isoformat(),
        "ends_at": (START + timedelta(hours=3)).isoformat()}))
    _ok(client.post(f"/api/meetings/{mid}/cancel", headers=host))
    _ok(client.post("/api/meetings/import", params={"room": "sakura"},
                    content=_ics("imp-1@example.com", "Interview Taro Yamada"),
                    headers={**host, "Content-Type": "text/calendar"}))
    feed = client.post("/api/calendar-feeds", json={"url": feed_url, "room": "sakura"},
                       headers=staff)
    _ok(feed)
    refreshed = client.post(f"/api/calendar-feeds/{feed.json()['id']}/refresh", headers=staff)
    _ok(refreshed)
    assert refreshed.json()["created"] == 1


def _settings_and_targets(client: TestClient, office: Office, staff: dict[str, str],
                          host: dict[str, str], admin: dict[str, str]) -> None:
    _ok(client.post("/api/devices", headers=admin,
                    json={"name": f"vend-{office.door}", "kind": "vending", "zone": "lobby"}))
    _ok(client.post("/api/vending/machines", headers=admin,
                    json={"device": f"vend-{office.door}", "label_en": "By the lift"}))
    target = client.post("/api/notify/targets", headers=host, json={
        "kind": "apprise", "url": "json://user:hunter2@127.0.0.1:9/notify"})
    _ok(target)
    _ok(client.delete(f"/api/notify/targets/{target.json()['id']}", headers=host))
    _ok(client.put("/api/notify/prefs", headers=host, json={"ack_minutes": 10}))
    faq = {"questions_ja": ["会議室の予約"], "questions_en": ["book a room"],
           "answer_ja": "受付へ", "answer_en": "Ask reception"}
    _ok(client.put("/api/faq/rooms", json=faq, headers=staff))
    _ok(client.put("/api/faq/rooms", json=faq, headers=staff))  # unchanged: nothing new
    _login(client, office.staff)
    r = client.post("/staff/faq", follow_redirects=False, data={
        "topic": "rooms", "questions_ja": "会議室の予約", "questions_en": "book a room",
        "answer_ja": "受付へどうぞ", "answer_en": "Ask reception", "active": "on"})
    assert r.status_code == 303 and "error=" not in r.headers["location"]
    _logout(client)
    _ok(client.delete("/api/faq/rooms", headers=staff))


def _visits(client: TestClient, office: Office, host: dict[str, str]) -> None:
    """A host's own actions on the visits page: resend the link, revoke, cancel."""
    one = client.post("/api/visits", json=visit_body(office, host=office.host, doors=[]),
                        headers=host)
    two = client.post("/api/visits", json=visit_body(office, host=office.host, doors=[]),
                        headers=host)
    _ok(one)
    _ok(two)
    _ok(client.post(f"/api/visits/{one.json()['visit_id']}/resend", headers=host))
    _ok(client.post(f"/api/visits/{one.json()['visit_id']}/revoke", headers=host))
    _ok(client.post(f"/api/visits/{two.json()['visit_id']}/cancel", headers=host))


EXPECTED = {
    "conversation.assign": 1, "conversation.reply": 1, "conversation.note": 1,
    "conversation.status": 1, "room.add": 1, "meeting.add": 1, "meeting.move": 1,
    "meeting.cancel": 1, "meeting.import": 1, "calendar_feed.add": 1,
    "calendar_feed.refresh": 1, "vending.machine_add": 1, "notify.target_add": 1,
    "notify.target_remove": 1, "notify.prefs": 1, "faq.created": 1, "faq.updated": 1,
    "faq.deleted": 1, "visit.resend": 1, "pass.revoke": 1, "visit.cancel": 1,
    "auth.sign_out": 2,
}


def _rows(page: str) -> list[tuple[str, str, str]]:
    """(who, action, target) of each row of the audit page."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)]
        if len(cells) == 8:
            rows.append((cells[2], cells[4], cells[5]))
    return rows


def test_staff_and_host_actions_are_on_the_audit_page_once_each(
        client: TestClient, office: Office, feed_url: str) -> None:
    admin, staff = bearer(client, office.admin), bearer(client, office.staff)
    host = bearer(client, office.host)
    _inbox(client, office, staff, host)
    _meetings(client, office, staff, host, feed_url)
    _settings_and_targets(client, office, staff, host, admin)
    _visits(client, office, host)

    _login(client, office.admin)
    page = client.get("/staff/audit", params={"lang": "en", "limit": "1000"})
    assert page.status_code == 200 and "No tampering found" in page.text
    rows = _rows(page.text)
    seen = Counter(action for _who, action, _target in rows)
    assert {a: seen[a] for a in EXPECTED} == EXPECTED
    who = {action: actor for actor, action, _target in rows}
    assert who["conversation.status"].startswith(office.staff)
    assert who["meeting.add"].startswith(office.host)
    assert who["notify.target_add"].startswith(office.host)
    assert who["vending.machine_add"].startswith(office.admin)
    assert who["faq.deleted"].startswith(office.staff)
    # Signing in through the page is there as well (the admin's own, just now).
    assert seen["auth.sign_in"] >= 3
    # The log outlives identities and keeps no secrets: no visitor's name, message text,
    # meeting title, feed token or target password.
    for secret in ("Hanako", "CEO's friend", "Contract with", "Mr Secret", "Taro Yamada",
                   "s3cr3t-feed-token", "hunter2"):
        assert secret not in page.text
    # A reviewer can narrow the page to one kind of action.
    only = client.get("/staff/audit", params={"lang": "en", "action": "meeting.move"})
    assert [a for _w, a, _t in _rows(only.text)] == ["meeting.move"]
    _logout(client)
    assert client.get("/api/audit/verify", headers=admin).json()["ok"] is True
