"""LINE Messaging API: webhook signature, event parsing, reply and push.

Signature: ``X-Line-Signature`` = Base64(HMAC-SHA256(channel secret, raw body)), compared
in constant time. A webhook body is ``{"destination": ..., "events": [...]}``; the console's
"Verify" button sends an empty ``events`` list, which must get 200. Each event carries a
``webhookEventId`` (ULID) that stays the same on redelivery.
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
        source, message, context = (_obj(raw.get(k)) for k in
                                    ("source", "message", "deliveryContext"))
        text = message.get("text") if message.get("type") == "text" else None
        out.append(LineEvent(
            event_id=raw["webhookEventId"][:100], type=str(raw.get("type", ""))[:40],
            user_id=source.get("userId") if isinstance(source.get("userId"), str) else None,
            text=text if isinstance(text, str) else None,
            reply_token=raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None,
            message_id=str(message.get("id")) if message.get("id") else None,
            redelivery=bool(context.get("isRedelivery"))))
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

    def close(self) -> None:
        self._http.close()
