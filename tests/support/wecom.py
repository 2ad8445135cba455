"""A local stand-in for WeCom's customer-service API (qyapi.weixin.qq.com), speaking the
published protocol over real HTTP: ``gettoken``, ``kf/sync_msg`` (token from a callback,
cursor, has_more), ``kf/send_msg``, ``kf/send_msg_on_event``, ``kf/customer/batchget``;
and the callbacks WeCom would POST, encrypted with the app's EncodingAESKey."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wechatpy.enterprise.crypto import WeChatCrypto

from .receivers import QuietHandler, serving

CORP_ID = "ww1436e0e65a779aee"
SECRET = "kf-secret-" + "s" * 22
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"  # 43 characters
OPEN_KFID = "wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q"


@dataclass
class WeComStandIn:
    """The customers' side of WeCom: what they wrote, and what the server sent them."""

    url: str = ""
    page_size: int = 1000
    log: list[dict[str, Any]] = field(default_factory=list)  # msg_list entries, in order
    sent: list[dict[str, Any]] = field(default_factory=list)  # kf/send_msg bodies
    welcomes: list[dict[str, Any]] = field(default_factory=list)
    customers: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens_issued: int = 0
    sync_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enters(self, user: str, *, scene_param: str, nickname: str = "",
               avatar: str = "") -> None:
        """A WeChat user opens the chat from a QR or link carrying ``scene_param``."""
        self.customers[user] = {"nickname": nickname, "avatar": avatar}
        self._append({"msgid": "ev-" + secrets.token_hex(8), "send_time": int(time.time()),
                      "origin": 4, "msgtype": "event", "event": {
                          "event_type": "enter_session", "open_kfid": OPEN_KFID,
                          "external_userid": user, "scene": "qr",
                          "scene_param": scene_param,
                          "welcome_code": "wc-" + secrets.token_hex(8)}})

    def writes(self, user: str, text: str, msgtype: str = "text") -> str:
        """The user sends a message; its msgid."""
        msgid = "from_msgid_" + secrets.token_hex(8)
        item: dict[str, Any] = {"msgid": msgid, "open_kfid": OPEN_KFID,
                                "external_userid": user, "send_time": int(time.time()),
                                "origin": 3, "msgtype": msgtype}
        if msgtype == "text":
            item["text"] = {"content": text}
        else:
            item[msgtype] = {"media_id": "MEDIA_" + secrets.token_hex(6)}
        self._append(item)
        return msgid

    def _append(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(item)

    def callback(self) -> tuple[dict[str, str], bytes]:
        """The query and body of the ``kf_msg_or_event`` callback WeCom would POST now."""
        token = "ENC" + secrets.token_hex(16)
        self.sync_tokens.add(token)
        now, nonce = str(int(time.time())), secrets.token_hex(5)
        inner = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
                 f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                 f"<Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[{token}]]></Token>"
                 f"<OpenKfId><![CDATA[{OPEN_KFID}]]></OpenKfId></xml>")
        crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
        signed = crypto.encrypt_message(inner, nonce, now)
        # WeCom posts Encrypt (with ToUserName and AgentID); the signature is in the query.
        import xml.etree.ElementTree as ET

        root = ET.fromstring(signed)
        body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA["
                f"{root.findtext('Encrypt')}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>")
        query = {"msg_signature": root.findtext("MsgSignature") or "", "timestamp": now,
                 "nonce": nonce}
        return query, body.encode()

    # -- the API ---------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str],
               body: dict[str, Any]) -> dict[str, Any]:
        if path == "/cgi-bin/gettoken":
            if query.get("corpid") != CORP_ID or query.get("corpsecret") != SECRET:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            self.tokens_issued += 1
            return {"errcode": 0, "errmsg": "ok", "access_token": f"AT{self.tokens_issued}",
                    "expires_in": 7200}
        if query.get("access_token") != f"AT{self.tokens_issued}" or method != "POST":
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if path == "/cgi-bin/kf/sync_msg":
            if body.get("token") not in self.sync_tokens:
                return {"errcode": 95007, "errmsg": "invalid msg token"}
            start = int(body.get("cursor") or 0)
            limit = min(int(body.get("limit") or 1000), self.page_size)
            with self.lock:
                page = self.log[start:start + limit]
                more = start + limit < len(self.log)
            return {"errcode": 0, "errmsg": "ok", "next_cursor": str(start + len(page)),
                    "has_more": int(more), "msg_list": page}
        if path == "/cgi-bin/kf/send_msg":
            self.sent.append(body)
            return {"errcode": 0, "errmsg": "ok", "msgid": "MSG" + secrets.token_hex(6)}
        if path == "/cgi-bin/kf/send_msg_on_event":
            self.welcomes.append(body)
            return {"errcode": 0, "errmsg": "ok", "msgid": "MSG" + secrets.token_hex(6)}
        if path == "/cgi-bin/kf/customer/batchget":
            ids = body.get("external_userid_list") or []
            return {"errcode": 0, "errmsg": "ok", "customer_list": [
                {"external_userid": u, "gender": 0, "unionid": "", **self.customers[u]}
                for u in ids if u in self.customers],
                "invalid_external_userid": [u for u in ids if u not in self.customers]}
        return {"errcode": 404, "errmsg": "no such API here"}


@contextmanager
def wecom_stand_in() -> Iterator[WeComStandIn]:
    """Serve a :class:`WeComStandIn` on a free local port."""
    api = WeComStandIn()

    class Handler(QuietHandler):
        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            data = json.dumps(api.answer(method, url.path, query, body)).encode()
            self.send_response(200)  # WeCom answers 200 with errcode
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

    with serving(Handler) as port:
        api.url = f"http://127.0.0.1:{port}"
        yield api
