"""LINE Messaging API: webhook signature, event parsing, reply and push.

Signature: ``X-Line-Signature`` = Base64(HMAC-SHA256(channel secret, raw body)), compared
in constant time. A webhook body is ``{"destination": ..., "events": [...]}``; the console's
"Verify" button sends an empty ``events`` list, which must get 200. Each event carries a
``webhookEventId`` (ULID) that stays the same on redelivery. ``source.type`` is ``user`` (a
one-to-one chat), ``group`` (``groupId``) or ``room`` (``roomId``); in the last two
``userId`` names the member who wrote, not a private chat with them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

from officegate.server.http import jsonbody


def signature(secret: str, body: bytes) -> str:
    """The X-Line-Signature LINE would send for ``body``."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of the X-Line-Signature header."""
    if not header:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


@dataclass(frozen=True, slots=True)
class LineEvent:
    """The parts of a LINE webhook event we act on."""

    event_id: str
    type: str
    user_id: str | None
    text: str | None
    reply_token: str | None
    message_id: str | None
    redelivery: bool
    source_type: str = "user"  # user | group | room
    chat_id: str | None = None  # the groupId or roomId
    postback: str | None = None  # a postback's data

    @property
    def in_group(self) -> bool:
        """From a group or multi-person chat (not the user's one-to-one chat with us)."""
        return self.source_type in ("group", "room")


def parse_events(body: bytes) -> list[LineEvent]:
    """The events of a webhook body; ValueError with a reason for anything malformed."""
    try:
        doc = jsonbody.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("body is not JSON") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise ValueError("body must be an object with an 'events' list")
    out = []
    for raw in doc["events"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("webhookEventId"), str):
            raise ValueError("every event needs a webhookEventId")
        source, message, context, postback = (_obj(raw.get(k)) for k in
                                              ("source", "message", "deliveryContext",
                                               "postback"))
        text = message.get("text") if message.get("type") == "text" else None
        kind = str(source.get("type")) if source.get("type") in ("group", "room") else "user"
        chat = source.get("groupId") if kind == "group" else source.get("roomId")
        data = postback.get("data")
        out.append(LineEvent(
            event_id=raw["webhookEventId"][:100], type=str(raw.get("type", ""))[:40],
            user_id=source.get("userId") if isinstance(source.get("userId"), str) else None,
            text=text if isinstance(text, str) else None,
            reply_token=raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None,
            message_id=str(message.get("id")) if message.get("id") else None,
            redelivery=bool(context.get("isRedelivery")), source_type=kind,
            chat_id=chat[:100] if isinstance(chat, str) else None,
            postback=data[:300] if isinstance(data, str) else None))
    return out


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else empty: hostile shapes read as missing fields."""
    return value if isinstance(value, dict) else {}


class LineClient:
    """Sends text through the Messaging API (reply with a token, else push to a user)."""

    def __init__(self, *, api_base: str, access_token: str, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=api_base.rstrip("/"), timeout=timeout, headers={
            "Authorization": f"Bearer {access_token}"})

    def reply(self, *, reply_token: str, text: str) -> None:
        """POST /v2/bot/message/reply."""
        r = self._http.post("/v2/bot/message/reply", json={
            "replyToken": reply_token, "messages": [{"type": "text", "text": text[:5000]}]})
        r.raise_for_status()

    def push(self, *, to: str, text: str) -> None:
        """POST /v2/bot/message/push."""
        r = self._http.post("/v2/bot/message/push", json={
            "to": to, "messages": [{"type": "text", "text": text[:5000]}]})
        r.raise_for_status()

    def leave(self, *, source_type: str, chat_id: str) -> None:
        """POST /v2/bot/group/{groupId}/leave (or room/{roomId}/leave)."""
        kind = "group" if source_type == "group" else "room"
        r = self._http.post(f"/v2/bot/{kind}/{chat_id}/leave")
        r.raise_for_status()

    def close(self) -> None:
        self._http.close()
