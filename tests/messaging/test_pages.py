"""The staff pages: inbox, conversation actions by form, figures, FAQ editor; SSE live chat."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from support.browser import wait_for_js
from support.system import CHROMIUM, HAS_CHROMIUM

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.broker import free_port
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, invite

# The visitor's phone (pass.js makes 32 hex digits and keeps them in localStorage).
PHONE = {"X-Pass-Device": "0123456789abcdef0123456789abcdef"}


def _login(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/staff"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_inbox_pages_need_login_and_work_by_form(client: TestClient, office: Office) -> None:
    token = invite(client, office)["token"]
    client.post(f"/api/chat/{token}/messages", json={"text": "担当者と話したい <b>now</b>"})
    r = client.get("/staff/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    _login(client, office.host)
    page = client.get("/staff/inbox?status=open")
    assert page.status_code == 200 and "佐藤 花子" in page.text and "受信箱" in page.text
    cid = int(page.text.split('href="/staff/inbox/')[1].split('"')[0])
    r = client.post(f"/staff/inbox/{cid}", data={"action": "reply", "value": "すぐ行きます"},
                    follow_redirects=False)
    assert r.status_code == 303
    client.post(f"/staff/inbox/{cid}", data={"action": "note", "value": "社長の知人"})
    client.post(f"/staff/inbox/{cid}", data={"action": "resolved"})
    conv = client.get(f"/staff/inbox/{cid}")
    assert "すぐ行きます" in conv.text and "社長の知人" in conv.text and "resolved" in conv.text
    assert "招待 / Invited" in conv.text  # journey activity interleaved
    assert "<b>now</b>" not in conv.text and "&lt;b&gt;now&lt;/b&gt;" in conv.text
    assert client.post(f"/staff/inbox/{cid}", data={"action": "explode"}).status_code == 422
    assert client.get("/staff/messaging/metrics").status_code == 403  # hosts: no figures
    assert client.get("/staff/inbox/999999").status_code == 404


def test_staff_figures_and_faq_pages(client: TestClient, office: Office) -> None:
    _login(client, office.staff)
    page = client.get("/staff/messaging/metrics")
    assert page.status_code == 200 and "csat_score" in page.text and "来訪ファネル" in page.text
    english = client.get("/staff/messaging/metrics", headers={"Accept-Language": "en"}).text
    assert "Visit funnel" in english and "CSAT (4-5 of 5)" in english and "来訪" not in english
    csv = client.get("/staff/messaging/metrics.csv")
    assert csv.status_code == 200 and csv.text.startswith("metric,value,unit,definition")
    faq = client.get("/staff/faq")
    assert faq.status_code == 200 and "OfficeGate-Guest" in faq.text
    r = client.post("/staff/faq", data={"topic": "umbrella", "questions_ja": "傘を借りたい\n傘",
                                        "questions_en": "borrow an umbrella",
                                        "answer_ja": "受付で貸し出しています。",
                                        "answer_en": "Ask at the security office.",
                                        "active": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert "受付で貸し出しています。" in client.get("/staff/faq").text
    r = client.post("/staff/faq", data={"topic": "x", "answer_ja": "a", "answer_en": "b"},
                    follow_redirects=False)
    assert "error=bad_topic" in r.headers["location"]


@pytest.fixture
def live_server(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
                messaging_config: MessagingConfig) -> Iterator[str]:
    """The app over real HTTP (uvicorn), for streaming responses."""
    app = create_app(settings.model_copy(update={"messaging": messaging_config}),
                     broker=mqtt_broker)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_sse_stream_delivers_the_host_reply_live(live_server: str, office: Office) -> None:
    with httpx.Client(base_url=live_server, timeout=10, headers=PHONE) as http:
        token = http.post("/api/auth/token", json={"email": office.host,
                                                    "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        visit = http.post("/api/visits", headers=auth, json={
            "visitor_name": "John Smith", "visitor_email": "john@example.org",
            "starts_at": "2030-01-01T10:00:00+09:00", "ends_at": "2030-01-01T11:00:00+09:00",
            "zones": ["lobby"], "doors": []}).json()
        link = visit["pass_url"].rsplit("/p/", 1)[1]
        http.post(f"/api/chat/{link}/messages", json={"text": "I want to talk to a person"})
        cid = http.get("/api/conversations", headers=auth).json()[0]["id"]
        got: list[dict] = []
        with http.stream("GET", f"/api/chat/{link}/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")  # connected: now the host replies
            threading.Thread(target=lambda: httpx.post(
                f"{live_server}/api/conversations/{cid}/messages", headers=auth,
                json={"text": "On my way!"}, timeout=10)).start()
            for line in lines:
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
                    if got[-1]["body"] == "On my way!":
                        break
        assert got[-1]["sender"] == "user" and got[-1]["kind"] == "outgoing"
        # The host's open conversation page hears the visitor live, notes included.
        staff_seen: list[dict] = []
        with http.stream("GET", f"/api/conversations/{cid}/stream", headers=auth) as stream:
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            threading.Thread(target=lambda: httpx.post(
                f"{live_server}/api/chat/{link}/messages", json={"text": "Thanks, see you"},
                headers=PHONE, timeout=10)).start()
            for line in lines:
                if line.startswith("data: "):
                    staff_seen.append(json.loads(line[6:]))
                    break
        assert staff_seen[0]["body"] == "Thanks, see you"
        assert http.get(f"/api/conversations/{cid}/stream").status_code == 401
        assert http.get("/api/chat/not-a-token/stream").status_code == 404


def test_absurd_ids_and_assignees_are_refused_not_500(client: TestClient, office: Office) -> None:
    """Numbers no database id can be (SQLite's driver raises on them) and digits int()
    refuses get a 4xx or are ignored, on the API and the page forms alike."""
    from .conftest import bearer

    token = invite(client, office)["token"]
    client.post(f"/api/chat/{token}/messages", json={"text": "担当者と話したい"})
    staff = bearer(client, office.staff)
    cid = client.get("/api/conversations", headers=staff).json()[0]["id"]
    huge = "9" * 25
    for method, path, body in (
            ("GET", f"/api/conversations/{huge}", None),
            ("POST", f"/api/conversations/{huge}/messages", {"text": "hi"}),
            ("POST", f"/api/conversations/{cid}/assign", {"user_id": 2**70}),
            ("POST", f"/api/contacts/{huge}/merge", {"other_contact_id": 1}),
            ("POST", "/api/contacts/1/merge", {"other_contact_id": -(2**70)})):
        r = client.request(method, path, headers=staff, json=body)
        assert r.status_code == 422, (path, r.status_code, r.text)
    _login(client, office.staff)
    assert client.get(f"/staff/inbox/{huge}").status_code == 422
    for value in ("²", huge):  # str.isdigit() is true for both; int() fails or overflows
        r = client.post(f"/staff/inbox/{cid}", data={"action": "assign", "value": value},
                        follow_redirects=False)
        assert r.status_code == 303, (value, r.status_code)


def test_switching_the_pass_page_to_english_makes_notices_english(playwright: Any, live_server: str,
                                                                  office: Office) -> None:
    """The real pass page in chromium: the language switch is stored for the notices."""

    if not HAS_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    with httpx.Client(base_url=live_server, timeout=10, headers=PHONE) as http:
        token = http.post("/api/auth/token", json={"email": office.host,
                                                    "password": PASSWORD}).json()["access_token"]
        visit = http.post("/api/visits", headers={"Authorization": f"Bearer {token}"}, json={
            "visitor_name": "佐藤 花子", "starts_at": "2030-01-01T10:00:00+09:00",
            "ends_at": "2030-01-01T11:00:00+09:00", "zones": ["lobby"], "doors": []}).json()
        link = visit["pass_url"].rsplit("/p/", 1)[1]
        http.post(f"/api/chat/{link}/messages", json={"text": "トイレはどこですか"})
        assert http.get(f"/api/chat/{link}").json()["notice_lang"] == "ja"
        with nullcontext(playwright) as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                context = browser.new_context(locale="ja-JP", viewport={"width": 390,
                                                                        "height": 844})
                # The same phone that wrote above (the pass link is bound to it).
                context.add_init_script(
                    f"localStorage.setItem('og.device', '{PHONE['X-Pass-Device']}')")
                page = context.new_page()
                page.goto(f"{live_server}/p/{link}")
                wait_for_js(page, "document.documentElement.lang === 'ja'")
                page.click("#lang-toggle")
                wait_for_js(page, "document.documentElement.lang === 'en'")
                deadline = time.monotonic() + 30
                while http.get(f"/api/chat/{link}").json()["notice_lang"] != "en":
                    assert time.monotonic() < deadline, "the switch never reached the server"
                    time.sleep(0.1)
            finally:
                browser.close()
