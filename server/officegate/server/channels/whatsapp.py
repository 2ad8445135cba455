"""WhatsApp Cloud API: verification handshake, signature, messages and status updates.

Handshake: GET ``?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`` answers the
challenge when the token matches. Signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256
(app secret, raw body)>``. Body: ``{"object": "whatsapp_business_account", "entry": [{"changes":
[{"field": "messages", "value": {"metadata", "contacts", "messages" | "statuses" | "errors"}}]}]}``.
A ``failed`` status carries ``errors`` (why the message did not reach the person); a value
with only ``errors`` is a problem of the account or the webhook (e.g. 130429 rate limit);
an ``unsupported`` message carries ``errors`` and ``unsupported.type``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx

from officegate.server.http import jsonbody


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta would send for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of X-Hub-Signature-256."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


@dataclass(frozen=True, slots=True)
class WaMessage:
    """An incoming message: who (wa_id), the wamid, the text (None for media)."""

    wamid: str
    wa_id: str
    name: str
    text: str | None
    type: str


@dataclass(frozen=True, slots=True)
class WaError:
    """One entry of an ``errors`` array: the Graph API code and its title."""

    code: int
    title: str


@dataclass(frozen=True, slots=True)
class WaStatus:
    """A delivery update for a message we sent (``errors`` when it failed)."""

    wamid: str
    status: str  # sent | delivered | read | failed
    recipient: str
    errors: tuple[WaError, ...] = ()


@dataclass
class WaNotification:
    """What one webhook body carries."""

    messages: list[WaMessage]
    statuses: list[WaStatus]
    errors: list[WaError]  # value-level: about the account or webhook, not one message


def _errors(value: Any) -> tuple[WaError, ...]:
    out = []
    for item in _list(value):
        if isinstance(item, dict):
            code = item.get("code")
            out.append(WaError(code if isinstance(code, int) and not isinstance(code, bool)
                               else 0, _s(item.get("title") or item.get("message"), 120)))
    return tuple(out)


def _s(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse(body: bytes) -> WaNotification:
    """Messages, status updates and errors of a webhook body; ValueError when malformed."""
    try:
        doc = jsonbody.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("body is not JSON") from exc
    if not isinstance(doc, dict) or doc.get("object") != "whatsapp_business_account":
        raise ValueError("object must be 'whatsapp_business_account'")
    if not isinstance(doc.get("entry"), list):
        raise ValueError("'entry' must be a list")
    messages: list[WaMessage] = []
    statuses: list[WaStatus] = []
    errors: list[WaError] = []
    for entry in doc["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise ValueError("every entry needs a 'changes' list")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                continue  # other fields (account updates, templates) are not ours
            names = {_s(c.get("wa_id")): _s(_obj(c.get("profile")).get("name"))
                     for c in _list(value.get("contacts")) if isinstance(c, dict)}
            for m in _list(value.get("messages")):
                if not isinstance(m, dict) or not _s(m.get("id")) or not _s(m.get("from")):
                    raise ValueError("a message needs 'id' and 'from'")
                text = _obj(m.get("text")).get("body") if m.get("type") == "text" else None
                kind = _s(m.get("type"), 32)
                if kind == "unsupported":  # e.g. a poll: say which, so staff know
                    kind = f"unsupported: {_s(_obj(m.get('unsupported')).get('type'), 32)}"
                messages.append(WaMessage(_s(m["id"]), _s(m["from"], 32),
                                          names.get(m["from"], ""),
                                          text if isinstance(text, str) else None, kind))
            for st in _list(value.get("statuses")):
                if not isinstance(st, dict) or not _s(st.get("id")):
                    raise ValueError("a status needs 'id'")
                statuses.append(WaStatus(_s(st["id"]), _s(st.get("status"), 16),
                                         _s(st.get("recipient_id"), 32),
                                         _errors(st.get("errors"))))
            errors.extend(_errors(value.get("errors")))
    return WaNotification(messages, statuses, errors)


class WhatsAppClient:
    """Sends text messages through the Cloud API; returns the wamid."""

    def __init__(self, *, api_base: str, access_token: str, phone_number_id: str,
                 timeout: float = 10.0) -> None:
        self._phone = phone_number_id
        self._http = httpx.Client(base_url=api_base.rstrip("/"), timeout=timeout, headers={
            "Authorization": f"Bearer {access_token}"})

    def send(self, *, to: str, text: str) -> str:
        """POST /{phone-number-id}/messages; the new message's wamid."""
        r = self._http.post(f"/{self._phone}/messages", json={
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": False, "body": text[:4096]}})
        r.raise_for_status()
        return str(r.json()["messages"][0]["id"])

    def close(self) -> None:
        self._http.close()
