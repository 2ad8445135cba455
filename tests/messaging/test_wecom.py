"""WeChat users through WeCom customer service (微信客服): the callback crypto checked against
the published sample, the URL check, callbacks followed by sync_msg, the bot answering
through send_msg, the QR's scene and the customer's profile on the contact, hostile bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from support.mqtt import forget_sessions
from support.wecom import AES_KEY, CORP_ID, OPEN_KFID, SECRET, TOKEN, WeComStandIn, wecom_stand_in
from wechatpy.enterprise.crypto import WeChatCrypto

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.channels.wecom import WeComCrypto
from officegate.server.db import utcnow
from officegate.server.messaging.config import MessagingConfig
from officegate.server.messaging.models import Contact, Message
from officegate.server.settings import Settings

from .conftest import Office, bearer


def test_the_published_sample_decrypts() -> None:
    """Tencent's WXBizMsgCrypt sample (token QDG6eK): its signed, encrypted message."""
    crypto = WeComCrypto(token="QDG6eK",
                         encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                         corp_id="wx5823bf96d3bd56c7")
    body = (b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
            b"RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Q"
            b"czcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kz"
            b"Js8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1"
            b"s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wL"
            b"VMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1"
            b"ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt></xml>")
    plain = crypto.decrypt(body=body, msg_signature="477715d11cdb4164915debcba66cb864d751f3e6",
                           timestamp="1409659813", nonce="1372623149")
    assert "<Content><![CDATA[hello]]></Content>" in plain
    assert "<MsgId>4561255354251345929</MsgId>" in plain


@pytest.fixture
def wecom() -> Iterator[WeComStandIn]:
    with wecom_stand_in() as api:
        yield api


@pytest.fixture
def client(settings: Settings, office: Office, mqtt_broker: BrokerAddress,
           wecom: WeComStandIn) -> Iterator[TestClient]:
    config = MessagingConfig(wecom_corp_id=CORP_ID, wecom_secret=SECRET, wecom_token=TOKEN,
                             wecom_encoding_aes_key=AES_KEY, wecom_api_base=wecom.url,
                             quiet_start_hour=0, quiet_end_hour=0)
    app = create_app(settings.model_copy(update={"messaging": config}), broker=mqtt_broker)
    with TestClient(app) as c:
        yield c
    forget_sessions(mqtt_broker, [settings.mqtt_client_id or ""])


def _callback(client: TestClient, wecom: WeComStandIn):
    query, body = wecom.callback()
    return client.post("/webhooks/wecom", params=query, content=body,
                       headers={"content-type": "text/xml"})


def test_the_url_check_answers_the_decrypted_echostr(client: TestClient) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    signed = crypto.encrypt_message("1616140317555161061", "263014780", "1409659589")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(signed)
    query = {"msg_signature": root.findtext("MsgSignature"), "timestamp": "1409659589",
             "nonce": "263014780", "echostr": root.findtext("Encrypt")}
    r = client.get("/webhooks/wecom", params=query)
    assert r.status_code == 200 and r.text == "1616140317555161061"
    forged = client.get("/webhooks/wecom", params={**query, "msg_signature": "0" * 40})
    assert forged.status_code == 403
    assert client.get("/webhooks/wecom", params={**query, "msg_signature": ""}).status_code == 401
    assert client.get("/webhooks/wecom", params={k: v for k, v in query.items()
                                                 if k != "nonce"}).status_code == 400


def test_a_wechat_user_from_the_poster_qr_is_greeted_answered_and_kept(
        client: TestClient, office: Office, wecom: WeComStandIn) -> None:
    user = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw"
    wecom.enters(user, scene_param="lobby-poster", nickname="王小明",
                 avatar="https://wework.qpic.cn/avatar/0")
    r = _callback(client, wecom)
    assert r.status_code == 200 and r.text == "success"
    assert len(wecom.welcomes) == 1 and wecom.welcomes[0]["code"].startswith("wc-")

    wecom.writes(user, "Wi-Fiのパスワードは？")
    assert _callback(client, wecom).text == "success"
    # The FAQ bot answered through kf/send_msg, to this customer, from the account they wrote to.
    assert len(wecom.sent) == 1
    sent = wecom.sent[0]
    assert sent["touser"] == user and sent["open_kfid"] == OPEN_KFID
    assert "SSID" in sent["text"]["content"]

    # A callback WeCom sends again (or a second server reading the same log) adds nothing.
    assert _callback(client, wecom).text == "success"
    assert len(wecom.sent) == 1

    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    contact = rt.run(lambda db: db.scalars(select(Contact)).all())
    assert [(c.name, c.avatar_url) for c in contact] == [
        ("王小明", "https://wework.qpic.cn/avatar/0")]
    entries = rt.run(lambda db: [(m.kind, m.body, m.data) for m in db.scalars(
        select(Message).where(Message.contact_id == contact[0].id).order_by(Message.id))])
    assert entries[0][0] == "activity" and entries[0][2]["scene_param"] == "lobby-poster"
    assert [e[0] for e in entries[1:]] == ["incoming", "outgoing"]

    # A photo is on the timeline as what it is; the bot cannot read it and hands off.
    wecom.writes(user, "", msgtype="image")
    assert _callback(client, wecom).text == "success"
    staff = bearer(client, office.staff)
    convs = client.get("/api/conversations", headers=staff).json()
    assert len(convs) == 1 and convs[0]["channel"] == "wecom"
    detail = client.get(f"/api/conversations/{convs[0]['id']}", headers=staff).json()
    assert any("image" in m["body"] for m in detail["timeline"] if m["kind"] == "incoming")

    # Staff answer from the inbox: it goes out on WeChat.
    r = client.post(f"/api/conversations/{convs[0]['id']}/messages", headers=staff,
                    json={"text": "担当者がご案内します。"})
    assert r.status_code in (200, 201), r.text
    assert wecom.sent[-1]["text"]["content"] == "担当者がご案内します。"
    assert wecom.sent[-1]["touser"] == user


def test_many_messages_are_read_page_by_page_from_the_stored_cursor(
        client: TestClient, wecom: WeComStandIn) -> None:
    wecom.page_size = 3
    for n in range(7):
        wecom.writes(f"wmUser{n:02d}", "駐車場はありますか")
    assert _callback(client, wecom).text == "success"
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    incoming = rt.run(lambda db: db.scalars(select(Message.body).where(
        Message.kind == "incoming")).all())
    assert len(incoming) == 7  # three pages, each in order, nothing twice
    wecom.writes("wmUser00", "ありがとう")
    _callback(client, wecom)
    assert rt.run(lambda db: len(db.scalars(select(Message.id).where(
        Message.kind == "incoming")).all())) == 8  # only the new one was read


def test_answers_after_48_hours_are_not_sent(client: TestClient, office: Office,
                                             wecom: WeComStandIn) -> None:
    user = "wmLateReplyUser"
    wecom.writes(user, "I would like to talk to someone about my visit")
    _callback(client, wecom)
    before = len(wecom.sent)
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    rt.run(lambda db: db.execute(update(Message).values(
        created_at=utcnow() - timedelta(hours=49))))
    staff = bearer(client, office.staff)
    conv = client.get("/api/conversations", headers=staff).json()[0]
    client.post(f"/api/conversations/{conv['id']}/messages", headers=staff,
                json={"text": "Sorry for the late answer."})
    assert len(wecom.sent) == before  # WeChat would refuse it: not sent, marked failed
    detail = client.get(f"/api/conversations/{conv['id']}", headers=staff).json()
    late = [m for m in detail["timeline"] if m["body"] == "Sorry for the late answer."]
    assert late and late[0]["delivery"] == "failed"


@pytest.mark.parametrize("body, status", [
    (b"not xml at all", 400),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b"<xml><Encrypt>&b;</Encrypt></xml>", 400),
    (b"<xml><ToUserName>x</ToUserName></xml>", 400),
    (b"<xml><Encrypt><![CDATA[bm90IGVuY3J5cHRlZA==]]></Encrypt></xml>", 403),
])
def test_hostile_callbacks_get_a_clear_answer(client: TestClient, body: bytes,
                                              status: int) -> None:
    query = {"msg_signature": "0" * 40, "timestamp": "1409659589", "nonce": "1"}
    r = client.post("/webhooks/wecom", params=query, content=body,
                    headers={"content-type": "text/xml"})
    assert r.status_code == status, r.text


def test_a_callback_with_a_forged_signature_reads_nothing(client: TestClient,
                                                          wecom: WeComStandIn) -> None:
    wecom.writes("wmForgedUser", "hello")
    query, body = wecom.callback()
    query["msg_signature"] = "f" * 40
    r = client.post("/webhooks/wecom", params=query, content=body)
    assert r.status_code == 403
    assert wecom.tokens_issued == 0  # the API was never called
