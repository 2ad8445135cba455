"""LINE groups and multi-person chats, postbacks and edits; WhatsApp statuses and errors:
each in the shape of the platforms' documented examples."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from officegate.server.channels import whatsapp
from officegate.server.channels.line_events import GROUP_REFUSAL
from officegate.server.messaging.models import Message

from .conftest import LINE_SECRET, WA_SECRET, FakeApi, Office, bearer, invite

GROUP = {"type": "group", "groupId": "Ca56f94637c" + "0" * 22}
ROOM = {"type": "room", "roomId": "Ra8dbf4673c" + "0" * 22}


def _event(kind: str, source: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": kind, "mode": "active", "timestamp": 1700000000000, "source": source,
            "webhookEventId": "01H" + secrets.token_hex(11).upper(),
            "deliveryContext": {"isRedelivery": False}, **extra}


def _text(text: str) -> dict[str, Any]:
    return {"id": "4680" + secrets.token_hex(4), "type": "text", "quoteToken": "q",
            "text": text}


def _post(client: TestClient, *events: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"destination": "U" + "d" * 32, "events": list(events)},
                      ensure_ascii=False).encode()
    sig = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest())
    r = client.post("/webhooks/line", content=body, headers={
        "content-type": "application/json", "x-line-signature": sig.decode()})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _line_bodies(client: TestClient, token: str) -> list[str]:
    return [m["body"] for m in client.get(f"/api/chat/{token}").json()["messages"]
            if m["channel"] == "line"]


def test_a_members_group_message_never_reaches_their_private_conversation(
        client: TestClient, office: Office, fake_platform: FakeApi) -> None:
    visit = invite(client, office)
    user = "U" + secrets.token_hex(16)
    code = client.get(f"/api/chat/{visit['token']}").json()["link_code"]
    _post(client, _event("message", {"type": "user", "userId": user},
                         replyToken="rt-private", message=_text(code)))
    calls = len(fake_platform.calls)
    # The same person writes in a group the account is in: asking for a person, even.
    for source in ({**GROUP, "userId": user}, {**ROOM, "userId": user}):
        answer = _post(client, _event("message", source, replyToken="rt-group",
                                      message=_text("人と話したい 駐車場は？")))
        assert answer["stored"] == 0 and answer["ignored_group_events"] == 1
    bodies = _line_bodies(client, visit["token"])
    assert bodies[0] == code and len(bodies) == 2  # the code and its confirmation only
    assert "人と話したい" not in " ".join(bodies)
    # Into each chat went one polite refusal, then the account left: no hand-off, no answer.
    new = [(path, body) for path, _h, body in fake_platform.calls[calls:]]
    assert [path for path, _b in new] == [
        "/v2/bot/message/reply", f"/v2/bot/group/{GROUP['groupId']}/leave",
        "/v2/bot/message/reply", f"/v2/bot/room/{ROOM['roomId']}/leave"]
    assert all(b["messages"][0]["text"] == GROUP_REFUSAL for p, b in new if "reply" in p)
    staff = bearer(client, office.staff)
    assert all(c["status"] != "open" for c in
               client.get("/api/conversations", headers=staff).json())  # no hand-off


def test_added_to_a_group_the_account_says_so_once_and_leaves(
        client: TestClient, fake_platform: FakeApi) -> None:
    join = _event("join", GROUP, replyToken="rt-join")
    _post(client, join)
    _post(client, {**join, "deliveryContext": {"isRedelivery": True}})  # redelivered
    _post(client, _event("join", ROOM, replyToken="rt-join-room"))
    paths = [(path, body) for path, _h, body in fake_platform.calls]
    replies = [body for path, body in paths if path == "/v2/bot/message/reply"]
    assert [r["replyToken"] for r in replies] == ["rt-join", "rt-join-room"]
    assert "one-to-one" in replies[0]["messages"][0]["text"]
    leaves = [path for path, _body in paths if path.endswith("/leave")]
    assert leaves == [f"/v2/bot/group/{GROUP['groupId']}/leave",
                      f"/v2/bot/room/{ROOM['roomId']}/leave"]


def test_postback_and_edit_from_a_one_to_one_chat_land_on_the_timeline(
        client: TestClient, office: Office) -> None:
    visit = invite(client, office)
    user = "U" + secrets.token_hex(16)
    code = client.get(f"/api/chat/{visit['token']}").json()["link_code"]
    me = {"type": "user", "userId": user}
    _post(client, _event("message", me, replyToken="rt-1", message=_text(code)))
    tapped = _post(client, _event("postback", me, replyToken="rt-2",
                                  postback={"data": "wifi", "params": {}}))
    edited = _post(client, _event("messageEdited", me, replyToken="rt-3",
                                  message=_text("駐車場はありますか")))
    assert tapped["stored"] == 1 and edited["stored"] == 1
    bodies = _line_bodies(client, visit["token"])
    assert "wifi" in bodies and "(編集 / edited) 駐車場はありますか" in bodies
    # An edit in a group (where LINE sends them today) stays out of everyone's timeline.
    group_edit = _post(client, _event("messageEdited", {**GROUP, "userId": user},
                                      message=_text("edited in the group")))
    assert group_edit["ignored_group_events"] == 1
    assert "edited in the group" not in " ".join(_line_bodies(client, visit["token"]))


def _wa(client: TestClient, value: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881",
                         "phone_number_id": "106540352242922"}, **value}}]}]}).encode()
    r = client.post("/webhooks/whatsapp", content=body, headers={
        "content-type": "application/json",
        "x-hub-signature-256": whatsapp.signature(WA_SECRET, body)})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_whatsapp_failed_status_errors_and_unsupported_messages(
        client: TestClient, office: Office) -> None:
    wa_id = "16505551234"
    _wa(client, {"contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": wa_id}],
                 "messages": [{"from": wa_id, "id": "wamid.IN" + secrets.token_hex(6),
                               "timestamp": "1749416383", "type": "text",
                               "text": {"body": "Hello"}}]})
    staff = bearer(client, office.staff)
    conv = client.get("/api/conversations?channel=whatsapp", headers=staff).json()[0]
    client.post(f"/api/conversations/{conv['id']}/messages", headers=staff,
                json={"text": "Hi, how can we help?"})
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    sent = rt.run(lambda db: db.scalar(select(Message.external_id).where(
        Message.body == "Hi, how can we help?")))
    # The documented failed status: outside the 24-hour window.
    failed = _wa(client, {"statuses": [{
        "id": sent, "status": "failed", "timestamp": "1750857384", "recipient_id": wa_id,
        "errors": [{"code": 131047, "title": "Re-engagement message",
                    "message": "Re-engagement message", "error_data": {
                        "details": "Message failed to send because more than 24 hours have "
                                   "passed since the customer last replied to this number."},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/"
                            "support/error-codes/"}]}]})
    assert failed["statuses"] == 1
    detail = client.get(f"/api/conversations/{conv['id']}", headers=staff).json()
    (entry,) = [m for m in detail["timeline"] if m["body"] == "Hi, how can we help?"]
    assert entry["delivery"] == "failed"
    assert entry["data"]["delivery_errors"] == ["131047 Re-engagement message"]
    # A value with only errors (the documented rate-limit example): taken, nothing stored.
    limited = _wa(client, {"errors": [{
        "code": 130429, "title": "Rate limit hit", "message": "Rate limit hit",
        "error_data": {"details": "Message failed to send because there were too many "
                                  "messages sent from this phone number in a short period"},
        "href": "/documentation/business-messaging/whatsapp/support/error-codes"}]})
    assert limited["errors"] == 1 and limited["stored"] == 0
    # An unsupported message (a poll): on the timeline, saying what it was.
    poll = _wa(client, {"contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": wa_id}],
                        "messages": [{"from": wa_id, "id": "wamid.P" + secrets.token_hex(6),
                                      "timestamp": "1739321024", "errors": [{
                                          "code": 131051, "title": "Message type unknown",
                                          "message": "Message type unknown", "error_data": {
                                              "details": "Message type is currently not "
                                                         "supported."}}],
                                      "type": "unsupported",
                                      "unsupported": {"type": "poll_update"}}]})
    assert poll["stored"] == 1
    detail = client.get(f"/api/conversations/{conv['id']}", headers=staff).json()
    assert "(unsupported: poll_update)" in [m["body"] for m in detail["timeline"]]
