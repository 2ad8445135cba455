"""Notices reach people with no set-up: a new host hears by e-mail (the server's SMTP) when
their visitor approaches, and a deny-list hold reaches staff, who must decide."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from support.office import bearer
from support.polling import poll

from .conftest import DENIED, Inbox, Rooms

OFFICE = (35.681236, 139.767125)


def _invite(client: TestClient, rooms: Rooms, name: str, email: str) -> dict[str, object]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    r = client.post("/api/invitations", headers=bearer(client, rooms.office.host), json={
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "visitors": [{"name": name, "email": email}]})
    assert r.status_code == 201, r.text
    return dict(r.json()["invited"][0])


def test_a_new_host_hears_by_email_when_the_visitor_approaches(
        client: TestClient, rooms: Rooms, inbox: Inbox) -> None:
    _invite(client, rooms, "Ann Lee", "ann@example.org")
    token = inbox.link_for("ann@example.org")
    assert client.post(f"/api/p/{token}/arrival/consent").status_code == 200
    r = client.post(f"/api/p/{token}/location", json={
        "lat": OFFICE[0] + 500 / 111_195, "lon": OFFICE[1], "acc": 15, "at": time.time()})
    assert r.status_code == 200, r.text
    assert r.json()["approached"] is True
    mails = poll(lambda: inbox.to(rooms.office.host))
    assert mails, "the host was not e-mailed"
    text = mails[0].get_body(("plain",)).get_content()
    assert "Ann Lee" in text and "OfficeGate" in str(mails[0]["Subject"])


def test_a_deny_list_hold_reaches_staff_by_email(client: TestClient, rooms: Rooms,
                                                 inbox: Inbox) -> None:
    _invite(client, rooms, "Mallory", DENIED)
    mails = poll(lambda: inbox.to(rooms.office.staff))
    assert mails, "staff were not told of the hold"
    assert "Badge misuse" in mails[0].get_body(("plain",)).get_content()
    assert inbox.to(DENIED) == []


def test_a_host_with_their_own_targets_gets_no_default_email(
        client: TestClient, rooms: Rooms, inbox: Inbox) -> None:
    host = bearer(client, rooms.office.host)
    r = client.post("/api/notify/targets", headers=host,
                    json={"kind": "apprise", "url": "json://127.0.0.1:9/hook"})
    assert r.status_code == 201, r.text
    _invite(client, rooms, "Ann Lee", "ann@example.org")
    token = inbox.link_for("ann@example.org")
    client.post(f"/api/p/{token}/arrival/consent")
    client.post(f"/api/p/{token}/location", json={
        "lat": OFFICE[0] + 500 / 111_195, "lon": OFFICE[1], "acc": 15, "at": time.time()})
    notices = poll(lambda: client.get("/api/notify/notices", headers=host).json())
    assert notices and notices[0]["kind"] == "approaching"
    client.app.state.officegate.runtime.arrival.notifier.drain()  # type: ignore[attr-defined]
    assert inbox.to(rooms.office.host) == []
