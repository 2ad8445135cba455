"""WeCom customer service (企业微信 微信客服): callback crypto, the callback event, the API.

The published protocol:

- **Callback URL check**: ``GET ?msg_signature&timestamp&nonce&echostr``. The signature is
  SHA-1 over the sorted strings token, timestamp, nonce and the encrypted ``echostr``; the
  answer is ``echostr`` decrypted (AES-256-CBC, key = Base64(EncodingAESKey + "="), IV = its
  first 16 bytes, PKCS#7 to 32 bytes; plaintext = 16 random bytes, a 4-byte big-endian
  length, the message, the corp id). The crypto is wechatpy's (a maintained SDK).
- **Callback**: ``POST`` the same query with ``<xml><ToUserName/><Encrypt/><AgentID/></xml>``;
  the decrypted XML of a customer-service callback is ``MsgType=event``,
  ``Event=kf_msg_or_event`` with a ``Token`` (valid 10 minutes) and ``OpenKfId``. It carries
  no message: the server then calls ``kf/sync_msg`` with that token and its stored cursor
  (``has_more``, ``next_cursor``) and reads ``msg_list``.
- **API** (``https://qyapi.weixin.qq.com/cgi-bin``): ``gettoken`` (corpid, corpsecret ->
  access_token, expires_in), ``kf/sync_msg``, ``kf/send_msg`` (within 48 hours of the
  customer's last message, at most 5 messages), ``kf/send_msg_on_event`` (the welcome message
  with an ``enter_session`` event's ``welcome_code``), ``kf/customer/batchget`` (nickname,
  avatar). Every answer has ``errcode`` (0 = ok) and ``errmsg``.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

MAX_PAGES = 20  # sync_msg pages read per callback (1,000 messages each at most)
SEND_WINDOW_S = 48 * 3600  # kf/send_msg works this long after the customer last wrote
SEND_LIMIT = 5  # ... for at most this many messages
TOKEN_EXPIRED = {40014, 42001}  # access_token invalid or expired: fetch a new one


class CallbackError(ValueError):
    """A callback that is not ours: ``signature`` False = malformed (400), True = forged."""

    def __init__(self, reason: str, *, signature: bool = False) -> None:
        super().__init__(reason)
        self.signature = signature


class ApiError(RuntimeError):
    """WeCom answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeCom errcode {errcode}: {errmsg}")
        self.errcode = errcode


@dataclass(frozen=True, slots=True)
class KfCallback:
    """The decrypted ``kf_msg_or_event`` callback: where to sync from."""

    token: str
    open_kfid: str


def _xml(text: str | bytes) -> ET.Element:
    """Parse a small XML document with no DTD, entities or external references (defusedxml:
    entities are how XML bombs work)."""
    try:
        return fromstring(text.encode() if isinstance(text, str) else text, forbid_dtd=True)
    except DefusedXmlException:
        raise CallbackError("XML with a DTD or entities is not accepted") from None
    except ET.ParseError as exc:
        raise CallbackError(f"body is not XML: {exc}") from None


class WeComCrypto:
    """The callback crypto of one WeCom app (token, EncodingAESKey, corp id)."""

    def __init__(self, *, token: str, encoding_aes_key: str, corp_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("the EncodingAESKey is 43 characters")
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)

    def verify_url(self, *, msg_signature: str, timestamp: str, nonce: str,
                   echostr: str) -> str:
        """The plaintext of ``echostr``, which the URL check expects back."""
        try:
            return str(self._crypto.check_signature(msg_signature, timestamp, nonce, echostr))
        except (InvalidSignatureException, InvalidCorpIdException):
            raise CallbackError("the signature does not match", signature=True) from None
        except Exception:  # noqa: BLE001 - bad Base64, padding or length: not WeCom's
            raise CallbackError("echostr does not decrypt") from None

    def decrypt(self, *, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The callback's decrypted XML, after its signature is checked."""
        encrypt = _xml(body).findtext("Encrypt")
        if not encrypt:
            raise CallbackError("the body has no Encrypt element")
        try:
            return str(self._crypto.decrypt_message({"Encrypt": encrypt}, msg_signature,
                                                    timestamp, nonce))
        except (InvalidSignatureException, InvalidCorpIdException):
            raise CallbackError("the signature does not match", signature=True) from None
        except Exception:  # noqa: BLE001
            raise CallbackError("Encrypt does not decrypt") from None

    def encrypt(self, xml: str, *, nonce: str, timestamp: str) -> str:
        """``xml`` as WeCom would send it (for the local stand-in and tests)."""
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))


def parse_callback(xml: str) -> KfCallback | None:
    """The sync token of a ``kf_msg_or_event`` callback; None for other callbacks."""
    root = _xml(xml)
    if root.findtext("MsgType") != "event" or root.findtext("Event") != "kf_msg_or_event":
        return None
    token, kfid = root.findtext("Token") or "", root.findtext("OpenKfId") or ""
    if not token or not kfid:
        raise CallbackError("kf_msg_or_event needs Token and OpenKfId")
    return KfCallback(token=token[:128], open_kfid=kfid[:64])


@dataclass(frozen=True, slots=True)
class KfItem:
    """One entry of ``msg_list``: a customer's message or an event."""

    msgid: str
    open_kfid: str
    external_userid: str
    origin: int  # 3 customer, 4 system event, 5 a servicer in the WeCom app
    msgtype: str
    send_time: int
    text: str | None = None
    event: dict[str, Any] = field(default_factory=dict)


def _s(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def parse_items(msg_list: Any) -> list[KfItem]:
    """The well-formed entries of a ``msg_list`` (others are skipped, not fatal)."""
    out = []
    for m in msg_list if isinstance(msg_list, list) else []:
        if not isinstance(m, dict):
            continue
        raw_event = m.get("event")
        event: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
        sent = m.get("send_time")
        user = _s(m.get("external_userid"), 64) or _s(event.get("external_userid"), 64)
        kfid = _s(m.get("open_kfid"), 64) or _s(event.get("open_kfid"), 64)
        text = m.get("text")
        body = _s(text.get("content"), 4000) if isinstance(text, dict) else None
        origin = m.get("origin")
        out.append(KfItem(
            msgid=_s(m.get("msgid"), 128), open_kfid=kfid, external_userid=user,
            origin=origin if isinstance(origin, int) and not isinstance(origin, bool) else 0,
            msgtype=_s(m.get("msgtype"), 32), send_time=sent if isinstance(sent, int) else 0,
            text=body, event=event))
    return out


class WeComClient:
    """The customer-service API with its access token kept and renewed."""

    def __init__(self, *, api_base: str, corp_id: str, secret: str,
                 timeout: float = 10.0) -> None:
        self._corp_id, self._secret = corp_id, secret
        self._http = httpx.Client(base_url=api_base.rstrip("/"), timeout=timeout)
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() >= self._token[1]:
                r = self._http.get("/cgi-bin/gettoken", params={
                    "corpid": self._corp_id, "corpsecret": self._secret})
                doc = self._answer(r)
                expires = int(doc.get("expires_in") or 7200)
                # Renewed 5 minutes early: a token must not expire between check and use.
                self._token = (str(doc["access_token"]),
                               time.monotonic() + max(60, expires - 300))
            return self._token[0]

    @staticmethod
    def _answer(r: httpx.Response) -> dict[str, Any]:
        r.raise_for_status()
        doc = r.json()
        if not isinstance(doc, dict):
            raise ApiError(-1, "answer is not a JSON object")
        code = doc.get("errcode", 0)
        if code:
            raise ApiError(int(code), str(doc.get("errmsg", ""))[:200])
        return doc

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``/cgi-bin/{path}``; once more with a new token if it expired."""
        for attempt in (0, 1):
            r = self._http.post(f"/cgi-bin/{path}", json=body, params={
                "access_token": self._access_token(renew=attempt == 1)})
            try:
                return self._answer(r)
            except ApiError as exc:
                if exc.errcode not in TOKEN_EXPIRED or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def sync(self, *, token: str, cursor: str, open_kfid: str) -> tuple[list[KfItem], str, bool]:
        """One page of ``kf/sync_msg``: the items, the next cursor, whether there is more."""
        doc = self.call("kf/sync_msg", {"cursor": cursor, "token": token, "limit": 1000,
                                        "voice_format": 0, "open_kfid": open_kfid})
        return (parse_items(doc.get("msg_list")), _s(doc.get("next_cursor"), 64) or cursor,
                bool(doc.get("has_more")))

    def send_text(self, *, to: str, open_kfid: str, text: str) -> str:
        """``kf/send_msg`` a text to a customer; the new message's msgid."""
        doc = self.call("kf/send_msg", {"touser": to, "open_kfid": open_kfid,
                                        "msgtype": "text", "text": {"content": text[:2048]}})
        return _s(doc.get("msgid"), 128)

    def send_welcome(self, *, code: str, text: str) -> str:
        """``kf/send_msg_on_event``: the greeting an ``enter_session``'s welcome_code allows."""
        doc = self.call("kf/send_msg_on_event", {"code": code, "msgtype": "text",
                                                 "text": {"content": text[:2048]}})
        return _s(doc.get("msgid"), 128)

    def customer(self, external_userid: str) -> dict[str, str]:
        """Nickname and avatar of a customer (empty when WeCom does not say)."""
        doc = self.call("kf/customer/batchget", {"external_userid_list": [external_userid],
                                                 "need_enter_session_context": 0})
        for c in doc.get("customer_list") or []:
            if isinstance(c, dict) and c.get("external_userid") == external_userid:
                return {"nickname": _s(c.get("nickname"), 200),
                        "avatar": _s(c.get("avatar"), 500)}
        return {"nickname": "", "avatar": ""}

    def close(self) -> None:
        self._http.close()
