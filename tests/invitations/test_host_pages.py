"""The host's visits: listing and search (own visits only), the visit record, the actions on
the pass, and the pages in one language at a time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from support.office import PASSWORD, bearer
from support.polling import poll

from officegate.protocol import Reason
from officegate.server.settings import Settings

from .conftest import DENIED, Inbox, Rooms, lobby_gate, open_pass

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _invite(client: TestClient, rooms: Rooms, visitors: list[dict[str, Any]],
            starts_in: timedelta = timedelta(minutes=5), who: str | None = None
            ) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + starts_in
    r = client.post("/api/invitations", headers=bearer(client, who or rooms.office.host), json={
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "visitors": visitors})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_my_visits_lists_searches_and_keeps_to_the_host(client: TestClient, rooms: Rooms
                                                        ) -> None:
    _invite(client, rooms, [{"name": "Ann Lee", "email": "ann@example.org", "company": "Acme"},
                            {"name": "Bob Ito", "email": "bob@example.org"}])
    _invite(client, rooms, [{"name": "Cy Future", "email": "cy@example.org"}],
            starts_in=timedelta(days=3))
    _invite(client, rooms, [{"name": "Other Guest", "email": "og@example.org"}],
            who=rooms.office.other_host)
    host = bearer(client, rooms.office.host)
    today = client.get("/api/visits", headers=host).json()
    assert sorted(v["visitor_name"] for v in today) == ["Ann Lee", "Bob Ito"]
    assert {v["state"] for v in today} == {"invited"}
    upcoming = client.get("/api/visits?period=upcoming", headers=host).json()
    assert [v["visitor_name"] for v in upcoming] == ["Cy Future"]
    found = client.get("/api/visits?q=acme", headers=host).json()
    assert [v["visitor_name"] for v in found] == ["Ann Lee"]
    staff = client.get("/api/visits", headers=bearer(client, rooms.office.staff)).json()
    assert "Other Guest" in {v["visitor_name"] for v in staff}
    other_id = next(v["visit_id"] for v in staff if v["visitor_name"] == "Other Guest")
    assert client.get(f"/api/visits/{other_id}", headers=host).status_code == 403
    assert client.get("/api/visits?period=someday", headers=host).status_code == 422


def test_the_visit_record_and_its_actions(client: TestClient, settings: Settings, rooms: Rooms,
                                          inbox: Inbox) -> None:
    out = _invite(client, rooms, [{"name": "Ann Lee", "email": "ann@example.org"}])
    visit_id = out["invited"][0]["visit_id"]
    host = bearer(client, rooms.office.host)
    first = inbox.link_for("ann@example.org")
    opened = open_pass(client, first)
    record = client.get(f"/api/visits/{visit_id}", headers=host).json()
    assert record["state"] == "pass_opened" and record["pass_bound"] is True
    assert any(i["detail"].get("event") == "invited" for i in record["timeline"])
    # Opened first in a mail app's browser: re-bind after confirming who asks.
    refused = client.post(f"/api/visits/{visit_id}/rebind", headers=host,
                          json={"confirmed": False})
    assert refused.status_code == 422
    r = client.post(f"/api/visits/{visit_id}/rebind", headers=host, json={"confirmed": True})
    assert r.status_code == 200, r.text
    token = r.json()["pass_url"].rsplit("/p/", 1)[1]
    assert client.post(f"/api/p/{first}/open", json={"device_id": "a" * 32}).status_code == 404
    new_phone = open_pass(client, token)
    assert new_phone["pass_id"] != opened["pass_id"]
    assert lobby_gate(settings, rooms.office, opened) is Reason.REVOKED  # the first copy
    assert poll(lambda: len(inbox.to("ann@example.org")) == 2)  # the new link, e-mailed too
    assert token in inbox.to("ann@example.org")[1].get_body(("plain",)).get_content()
    r = client.post(f"/api/visits/{visit_id}/cancel", headers=host)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert lobby_gate(settings, rooms.office, new_phone) is Reason.REVOKED
    assert client.post(f"/api/visits/{visit_id}/resend", headers=host).status_code == 409


def _pages(client: TestClient, email: str, lang: str, visit_id: int) -> list[str]:
    client.cookies.clear()
    client.post("/login", data={"email": email, "password": PASSWORD})
    headers = {"Accept-Language": lang}
    pages = [client.get(path, headers=headers) for path in
             ("/host/invite", "/host/visits", f"/host/visits/{visit_id}", "/host")]
    assert all(p.status_code == 200 for p in pages), [p.status_code for p in pages]
    return [p.text for p in pages]


def _visible(html: str) -> str:
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    # Messages are shown as written (the invitation went out in the visitor's language).
    html = re.sub(r'<span class="body">.*?</span>', "", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    # Language names are written in their own language (the switcher, the visitor's language).
    return html.replace("日本語", "").replace("简体中文", "")


def test_host_pages_speak_one_language(client: TestClient, rooms: Rooms) -> None:
    out = _invite(client, rooms, [{"name": "Ann Lee", "email": "ann@example.org"},
                                  {"name": "Mallory", "email": DENIED}])
    visit_id = out["invited"][0]["visit_id"]
    for html in _pages(client, rooms.office.host, "en-GB,en;q=0.9", visit_id):
        assert not JAPANESE.search(_visible(html)), JAPANESE.findall(_visible(html))[:10]
        assert 'lang="en"' in html and "日本語" in html  # the switcher offers Japanese
    invite, visits, visit, _notices = _pages(client, rooms.office.host, "ja", visit_id)
    assert "来訪者を招待" in invite and "Invite visitors" not in _visible(invite)
    assert "自分の来訪者" in visits and "リンクを再送" in visit
    # The switcher remembers the choice (cookie and the user's setting) over the browser's.
    r = client.post("/lang", data={"lang": "en", "next": "/host/visits"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/host/visits"
    page = client.get("/host/visits", headers={"Accept-Language": "ja"})
    assert "My visits" in page.text
    assert client.post("/lang", data={"lang": "en", "next": "//evil.example/x"},
                       follow_redirects=False).headers["location"] == "/"


def test_pass_page_language(client: TestClient, rooms: Rooms, inbox: Inbox) -> None:
    _invite(client, rooms, [{"name": "Ann Lee", "email": "ann@example.org"}])
    token = inbox.link_for("ann@example.org")
    zh = client.get(f"/p/{token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 200 and 'lang="zh-Hans"' in zh.text
    assert "<title>访客通行证</title>" in zh.text
    en = client.get(f"/p/{token}?lang=en")
    assert "<title>Visitor pass</title>" in en.text
    # Every visitor language travels with the page: the switch works offline.
    embedded = en.text.split('id="og-catalogs" type="application/json">', 1)[1]
    catalogs = json.loads(embedded.split("</script>", 1)[0])
    assert catalogs["ja"]["Visitor pass"] == "来訪者パス"
    assert catalogs["zh_CN"]["Entry QR code"] == "入馆二维码"


def test_an_employee_sees_todays_room_pass(client: TestClient, settings: Settings,
                                           rooms: Rooms) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    r = client.post("/api/invitations", headers=bearer(client, rooms.office.host), json={
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "room": rooms.room, "title": "Design review",
        "visitors": [{"name": "Ann Lee", "email": "ann@example.org"}]})
    assert r.status_code == 201, r.text
    client.cookies.clear()
    client.post("/login", data={"email": rooms.office.host, "password": PASSWORD})
    page = client.get("/me/passes", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Design review" in page.text
    assert f'data-meeting="{r.json()["meeting_id"]}"' in page.text
    mine = client.get(f"/api/meetings/{r.json()['meeting_id']}/pass")
    assert mine.status_code == 200 and mine.json()["cose_b45"]
    client.cookies.clear()
    client.post("/login", data={"email": rooms.office.other_host, "password": PASSWORD})
    other = client.get("/me/passes", headers={"Accept-Language": "en"})
    assert "Design review" not in other.text and "No meetings with a room today" in other.text
