"""LINE, WhatsApp and inbound e-mail webhooks: real payload shapes, signatures, replays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from fastapi.testclient import TestClient

from officegate.server.channels import line, whatsapp

from .conftest import LINE_SECRET, MAIL_TOKEN, WA_SECRET, WA_VERIFY, Office, bearer, invite


def _line_body(user: str, text: str, event_id: str | None = None) -> bytes:
    """A message event as the LINE platform sends it."""
    return json.dumps({"destination": "U" + "d" * 32, "events": [{
        "type": "message", "mode": "active", "timestamp": 1700000000000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id or "01H" + secrets.token_hex(11).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "rt-" + secrets.token_hex(8),
        "message": {"id": "4680" + secrets.token_hex(4), "type": "text", "quoteToken": "q",
                    "text": text}}]}, ensure_ascii=False).encode()


def _line_sig(body: bytes) -> str:
    return base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def _post_line(client: TestClient, body: bytes, sig: str | None = None):
    headers = {"content-type": "application/json"}
    if sig != "":
        headers["x-line-signature"] = sig or _line_sig(body)
    return client.post("/webhooks/line", content=body, headers=headers)


def test_line_signature_is_the_documented_one() -> None:
    body = b'{"destination":"x","events":[]}'
    expected = base64.b64encode(hmac.new(b"s", body, hashlib.sha256).digest()).decode()
    assert line.signature("s", body) == expected
    assert line.signature_ok("s", body, expected) and not line.signature_ok("t", body, expected)


def test_line_verify_bad_signatures_and_bodies(client: TestClient, office: Office) -> None:
    empty = b'{"destination":"Uxxxxxxxx","events":[]}'
    assert _post_line(client, empty).status_code == 200  # the console's "Verify" call
    body = _line_body("U" + "a" * 32, "hello")
    assert _post_line(client, body, sig="").status_code == 401
    assert _post_line(client, body, sig=_line_sig(body + b" ")).status_code == 403
    for bad in (b"not json", b'{"events": "x"}', b'{"events": [{"type": "message"}]}',
                b'[1, 2]'):
        assert _post_line(client, bad, sig=_line_sig(bad)).status_code == 400, bad
    staff = bearer(client, office.staff)
    assert client.get("/api/conversations", headers=staff).json() == []  # nothing stored


def test_line_link_code_merges_into_the_visitors_timeline_and_replies(
        client: TestClient, office: Office, fake_platform) -> None:
    visit = invite(client, office)
    code = client.get(f"/api/chat/{visit['token']}").json()["link_code"]
    user = "U" + secrets.token_hex(16)
    # The code alone (as the pass page says to send it), then the question.
    assert _post_line(client, _line_body(user, code)).json()["stored"] == 1
    event_id = "01HLINK" + secrets.token_hex(8).upper()
    body = _line_body(user, "駐車場はありますか？", event_id)
    r = _post_line(client, body)
    assert r.status_code == 200 and r.json()["stored"] == 1
    # The bot answered through the reply API with the event's reply token.
    path, headers, sent = fake_platform.calls[-1]
    assert path == "/v2/bot/message/reply" and headers["Authorization"] == "Bearer line-token"
    assert sent["replyToken"] == json.loads(body)["events"][0]["replyToken"]
    assert "駐車場" in sent["messages"][0]["text"]
    # Same webhookEventId again (a redelivery): nothing new, no second reply.
    calls = len(fake_platform.calls)
    assert _post_line(client, body).json()["stored"] == 0
    assert len(fake_platform.calls) == calls
    # LINE and the pass page chat are one timeline.
    history = client.get(f"/api/chat/{visit['token']}").json()["messages"]
    line_msgs = [m for m in history if m["channel"] == "line" and m["kind"] == "incoming"]
    assert [m["body"] for m in line_msgs] == [code, "駐車場はありますか？"]
    assert any(m["event_kind"] == "invited" for m in history)
    # A later message from the same LINE user needs no code.
    r = _post_line(client, _line_body(user, "トイレはどこ"))
    assert r.json()["stored"] == 1
    assert len([m for m in client.get(f"/api/chat/{visit['token']}").json()["messages"]
                if m["channel"] == "line"]) == 6
    # Blocking the account (unfollow) is the visitor's opt-out from notices.
    unfollow = json.dumps({"destination": "U1", "events": [{
        "type": "unfollow", "mode": "active", "timestamp": 1700000000000,
        "source": {"type": "user", "userId": user}, "webhookEventId": "01HUNFOLLOW",
        "deliveryContext": {"isRedelivery": False}}]}).encode()
    assert _post_line(client, unfollow).status_code == 200
    assert client.get(f"/api/chat/{visit['token']}").json()["opted_out"] is True


def _handshake(client: TestClient) -> None:
    ok = client.get("/webhooks/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = client.get("/webhooks/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert bad.status_code == 403


def _wa_body(wa_id: str, text: str, wamid: str) -> bytes:
    """A text message notification in the Cloud API's documented shape."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881",
                         "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": wamid, "timestamp": "1749416383",
                          "type": "text", "text": {"body": text}}]}}]}]}).encode()


def _wa_status(wamid: str, status: str, recipient: str) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881",
                         "phone_number_id": "106540352242922"},
            "statuses": [{"id": wamid, "status": status, "timestamp": "1750857384",
                          "recipient_id": recipient}]}}]}]}).encode()


def _post_wa(client: TestClient, body: bytes, sig: str | None = None):
    return client.post("/webhooks/whatsapp", content=body, headers={
        "content-type": "application/json",
        "x-hub-signature-256": sig if sig is not None else whatsapp.signature(WA_SECRET, body)})


def test_whatsapp_messages_replies_and_statuses(client: TestClient, office: Office,
                                                fake_platform) -> None:
    _handshake(client)
    wa_id = "16505551234"
    body = _wa_body(wa_id, "Can we move the meeting to Friday?", "wamid.IN" + secrets.token_hex(6))
    assert _post_wa(client, body, sig="sha256=" + "0" * 64).status_code == 403
    assert _post_wa(client, body, sig="").status_code == 401
    staff = bearer(client, office.staff)
    assert client.get("/api/conversations", headers=staff).json() == []
    r = _post_wa(client, body)
    assert r.status_code == 200 and r.json()["stored"] == 1
    assert _post_wa(client, body).json()["stored"] == 0  # replay
    # Unsure, so the bot handed off to reception; its reply went out through the Graph API.
    path, _h, sent = fake_platform.calls[-1]
    assert path == "/106540352242922/messages" and sent["to"] == wa_id
    assert "reception" in sent["text"]["body"]
    conv = client.get("/api/conversations?queue=reception", headers=staff).json()
    assert len(conv) == 1 and conv[0]["channel"] == "whatsapp"
    r = client.post(f"/api/conversations/{conv[0]['id']}/messages", headers=staff,
                    json={"text": "Sure, Friday 10:00 works."})
    wamid = None
    detail = client.get(f"/api/conversations/{conv[0]['id']}", headers=staff).json()
    for m in detail["timeline"]:
        if m["body"] == "Sure, Friday 10:00 works.":
            assert m["delivery"] == "sent"
            wamid = m["id"]
    assert wamid is not None
    sent_id = fake_platform.calls[-1]
    assert sent_id[2]["text"]["body"] == "Sure, Friday 10:00 works."
    # Status updates move delivery forward and never back.
    from sqlalchemy import select

    from officegate.server.messaging.models import Message
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    ext = rt.run(lambda db: db.scalar(select(Message.external_id).where(Message.id == wamid)))
    for status in ("delivered", "read", "delivered"):
        assert _post_wa(client, _wa_status(ext, status, wa_id)).status_code == 200
    detail = client.get(f"/api/conversations/{conv[0]['id']}", headers=staff).json()
    assert [m["delivery"] for m in detail["timeline"] if m["id"] == wamid] == ["read"]
    bad = json.dumps({"object": "page", "entry": []}).encode()
    assert _post_wa(client, bad).status_code == 400


def test_email_reply_webhook(client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    mail = {"message_id": "<abc@example.org>", "from": "Hanako <HANAKO@example.org>",
            "subject": "Re: ご来訪のご案内", "text": "駐車場はありますか\n\n> 招待メール"}
    assert client.post("/webhooks/email", json=mail).status_code == 401
    assert client.post("/webhooks/email", json=mail,
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    auth = {"Authorization": f"Bearer {MAIL_TOKEN}"}
    r = client.post("/webhooks/email", json=mail, headers=auth)
    assert r.status_code == 200 and r.json()["stored"] == 1
    assert client.post("/webhooks/email", json=mail, headers=auth).json()["stored"] == 0
    stranger = {**mail, "message_id": "<x@y>", "from": "spam@example.net"}
    assert client.post("/webhooks/email", json=stranger, headers=auth).status_code == 202
    history = client.get(f"/api/chat/{visit['token']}").json()["messages"]
    incoming = [m for m in history if m["kind"] == "incoming"]
    assert [m["body"] for m in incoming] == ["駐車場はありますか"]  # the quote is dropped
    assert client.post("/webhooks/email", json={"from": "x"}, headers=auth).status_code == 422


def test_staff_merge_an_anonymous_chat_into_the_visitor(client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    staff = bearer(client, office.staff)
    _post_wa(client, _wa_body("819012345678", "Where is the smoking area?", "wamid.M1"))
    anon = client.get("/api/conversations?channel=whatsapp", headers=staff).json()[0]
    client.post(f"/api/chat/{visit['token']}/messages", json={"text": "人と話したい"})
    mine = [c for c in client.get("/api/conversations?channel=web", headers=staff).json()]
    keep = mine[0]["contact_id"]
    host = bearer(client, office.host)
    r = client.post(f"/api/contacts/{keep}/merge", headers=host,
                    json={"other_contact_id": anon["contact_id"]})
    assert r.status_code == 403  # only staff merge
    r = client.post(f"/api/contacts/{keep}/merge", headers=staff,
                    json={"other_contact_id": anon["contact_id"]})
    assert r.status_code == 200
    history = client.get(f"/api/chat/{visit['token']}").json()["messages"]
    assert "Where is the smoking area?" in [m["body"] for m in history]
    detail = client.get(f"/api/conversations/{mine[0]['id']}", headers=staff).json()
    assert {"channel": "whatsapp", "address": "819012345678"} in detail["identities"]
    # The same WhatsApp user writes again: it lands on the merged timeline.
    _post_wa(client, _wa_body("819012345678", "Thanks!", "wamid.M2"))
    assert "Thanks!" in [m["body"] for m in
                         client.get(f"/api/chat/{visit['token']}").json()["messages"]]
    again = client.post(f"/api/contacts/{keep}/merge", headers=staff,
                        json={"other_contact_id": anon["contact_id"]})
    assert again.status_code in (200, 422)
    assert client.post("/api/contacts/999999/merge", headers=staff,
                       json={"other_contact_id": keep}).status_code == 404
