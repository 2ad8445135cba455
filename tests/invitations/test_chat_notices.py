"""A chat reaches the person who must answer it, and the answer reaches the visitor.

When the FAQ bot hands a visitor to their host, or the visitor writes again in a conversation
the host has, the host is e-mailed (the server's SMTP, no set-up) with the visitor's words and
a link to the visit page. A host's reply from the visit page reaches the visitor's phone by
Web Push (a local push service, decrypted here as the browser would) when the pass page is
closed and the visitor turned notifications on, in the visitor's language; with the pass page
open, the reply shows in its chat and no push is sent.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import http_ece
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.office import VISITOR_PHONE, bearer
from support.polling import poll, wait_for
from support.receivers import Receiver, running_receiver, serving_app

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.messaging.config import MessagingConfig
from officegate.server.settings import Settings

from .conftest import Inbox, Office

PHONE = {"X-Pass-Device": VISITOR_PHONE}


@pytest.fixture
def server(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
           inbox: Inbox) -> Iterator[httpx.Client]:
    """The server on real HTTP (a chat stream stays open while the host replies)."""
    messaging = MessagingConfig(smtp_host="127.0.0.1", smtp_port=inbox.port,
                                mail_from="office@example.com", quiet_start_hour=0,
                                quiet_end_hour=0)
    app = create_app(settings.model_copy(update={"messaging": messaging}), broker=mqtt_broker)
    with serving_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http


@pytest.fixture
def push_service() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


def _invite(http: httpx.Client, office: Office, inbox: Inbox,
            lang: str | None = None) -> tuple[str, int]:
    """Ann is invited by e-mail and opens her pass: (link token, visit id)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    r = http.post("/api/invitations", headers=bearer(http, office.host), json={  # type: ignore[arg-type]
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "zones": ["lobby"], "visitors": [{"name": "Ann Lee", "email": "ann@example.org",
                                          **({"lang": lang} if lang else {})}]})
    assert r.status_code == 201, r.text
    visit_id = int(r.json()["invited"][0]["visit_id"])
    token = inbox.link_for("ann@example.org")
    r = http.post(f"/api/p/{token}/open", json={"device_id": VISITOR_PHONE})
    assert r.status_code == 200, r.text
    return token, visit_id


def _say(http: httpx.Client, token: str, text: str) -> dict[str, Any]:
    r = http.post(f"/api/chat/{token}/messages", json={"text": text}, headers=PHONE)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _mail_text(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def test_a_hand_off_and_the_visitors_next_words_email_the_host_with_the_visit_link(
        server: httpx.Client, office: Office, inbox: Inbox) -> None:
    token, visit_id = _invite(server, office, inbox)
    turn = _say(server, token, "Can I talk to a person about parking my truck?")
    assert turn["replies"][0]["data"]["queue"] == "host"  # the bot handed her over
    mails = wait_for("the hand-off e-mail", lambda: inbox.to(office.host))
    text = _mail_text(mails[0])
    assert "Ann Lee" in str(mails[0]["Subject"]) or "Ann Lee" in text
    assert "parking my truck" in text
    assert f"/host/visits/{visit_id}" in text  # one tap to the page with the reply box
    assert len(mails) == 1

    # She writes again before the host answered: the host already knows (no second mail).
    _say(server, token, "I am at the loading bay")
    # The host answers; her next words are news again.
    host = bearer(server, office.host)  # type: ignore[arg-type]
    conversation = server.get(f"/api/visits/{visit_id}", headers=host).json()["conversation_id"]
    r = server.post(f"/api/conversations/{conversation}/messages", headers=host,
                    json={"text": "Coming down now"})
    assert r.status_code == 201, r.text
    _say(server, token, "Thank you, I see the lift")
    mails = wait_for("the new-message e-mail", lambda: inbox.to(office.host)[1:])
    text = _mail_text(mails[0])
    assert "I see the lift" in text and f"/host/visits/{visit_id}" in text
    assert not any("loading bay" in _mail_text(m) for m in inbox.to(office.host))
    # The host's notices list shows both, each leading to the visit page.
    notices = server.get("/api/notify/notices", headers=host).json()
    kinds = sorted(n["kind"] for n in notices if n["visit_id"] == visit_id
                   and n["kind"].startswith("chat"))
    assert kinds == ["chat_handoff", "chat_message"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _subscribe(http: httpx.Client, token: str, endpoint: str
               ) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """The pass page's "Get notified": a browser's key pair and auth secret, sent in."""
    key = ec.generate_private_key(ec.SECP256R1())
    p256dh = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    r = http.post(f"/api/p/{token}/push-subscription", json={
        "device_id": VISITOR_PHONE, "subscription": {
            "endpoint": endpoint, "keys": {"p256dh": _b64url(p256dh), "auth": _b64url(auth)}}})
    assert r.status_code == 201, r.text
    return key, auth


def test_a_host_reply_is_pushed_to_the_visitor_only_while_the_pass_page_is_closed(
        server: httpx.Client, office: Office, inbox: Inbox, push_service: Receiver) -> None:
    token, visit_id = _invite(server, office, inbox)
    key, auth = _subscribe(server, token, push_service.url("/push/send/ann"))
    r = server.put(f"/api/chat/{token}/language", json={"lang": "ja"}, headers=PHONE)
    assert r.status_code == 200, r.text
    _say(server, token, "担当者と話したいです")
    host = bearer(server, office.host)  # type: ignore[arg-type]
    conversation = server.get(f"/api/visits/{visit_id}", headers=host).json()["conversation_id"]

    # The pass page is closed: the reply comes as a push, in her language.
    r = server.post(f"/api/conversations/{conversation}/messages", headers=host,
                    json={"text": "ロビーまでお迎えに行きます"})
    assert r.status_code == 201, r.text
    push = push_service.wait(1)
    assert push, "no push reached the visitor's phone"
    headers = {k.lower(): v for k, v in push[0]["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    message = json.loads(http_ece.decrypt(push[0]["body"], private_key=key, auth_secret=auth,
                                          version="aes128gcm"))
    assert message["kind"] == "chat_reply"
    assert message["body"] == "ロビーまでお迎えに行きます"
    assert "Hana Host" in message["title"] and "返信" in message["title"]
    assert "reply" not in message["title"].lower()  # one language, hers
    assert token not in json.dumps(message)

    # The pass page is open (its chat stream): the reply shows there, and no push is sent.
    seen: list[dict[str, Any]] = []
    with server.stream("GET", f"/api/chat/{token}/stream", headers=PHONE) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        replying = threading.Thread(target=lambda: server.post(
            f"/api/conversations/{conversation}/messages", headers=host,
            json={"text": "エレベーターの前です"}))
        replying.start()
        for line in lines:
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                if seen[-1]["body"] == "エレベーターの前です":
                    break
        replying.join(30)  # the reply is answered (and its notices made) with the page open
    # A third reply after closing the page is pushed again; the second never was.
    r = server.post(f"/api/conversations/{conversation}/messages", headers=host,
                    json={"text": "今着きました"})
    assert r.status_code == 201, r.text
    pushes = push_service.wait(2)
    bodies = [json.loads(http_ece.decrypt(p["body"], private_key=key, auth_secret=auth,
                                          version="aes128gcm"))["body"] for p in pushes]
    assert bodies == ["ロビーまでお迎えに行きます", "今着きました"]
    assert poll(lambda: len(push_service.requests) == 2)


def test_a_chinese_speaking_visitor_gets_the_reply_push_in_chinese(
        server: httpx.Client, office: Office, inbox: Inbox, push_service: Receiver) -> None:
    token, visit_id = _invite(server, office, inbox, lang="zh_CN")
    key, auth = _subscribe(server, token, push_service.url("/push/send/ann"))
    _say(server, token, "I would like to talk to my host")
    host = bearer(server, office.host)  # type: ignore[arg-type]
    conversation = server.get(f"/api/visits/{visit_id}", headers=host).json()["conversation_id"]
    r = server.post(f"/api/conversations/{conversation}/messages", headers=host,
                    json={"text": "See you at reception"})
    assert r.status_code == 201, r.text
    push = push_service.wait(1)
    assert push, "no push reached the visitor's phone"
    message = json.loads(http_ece.decrypt(push[0]["body"], private_key=key, auth_secret=auth,
                                          version="aes128gcm"))
    assert message["title"] == "Hana Host 回复了您" and message["lang"] == "zh_CN"


def test_a_hand_off_to_reception_emails_staff_when_the_host_is_gone(
        server: httpx.Client, office: Office, inbox: Inbox) -> None:
    token, visit_id = _invite(server, office, inbox)
    admin = bearer(server, office.admin)  # type: ignore[arg-type]
    users = server.get("/api/users", headers=admin).json()
    host_id = next(u["id"] for u in users if u["email"] == office.host)
    r = server.patch(f"/api/users/{host_id}", headers=admin, json={"active": False})
    assert r.status_code == 200, r.text
    turn = _say(server, token, "Can I talk to a person about my badge?")
    assert turn["replies"][0]["data"]["queue"] == "reception"
    mails = wait_for("the hand-off e-mail to staff", lambda: inbox.to(office.staff))
    text = _mail_text(mails[0])
    assert "my badge" in text and f"/host/visits/{visit_id}" in text
    assert inbox.to(office.host) == []  # the host who left hears nothing
