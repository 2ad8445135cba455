"""Webhooks of LINE, WhatsApp, WeCom customer service and the inbound mail gateway.

Each checks its signature or token on the raw body first: a bad one gets 401/403 and
nothing is stored. Malformed bodies get 400 with the reason. Redeliveries are recognised by
the platform's event id and change nothing.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic import SecretStr as _Secret
from sqlalchemy.orm import Session

from officegate.server.channels import (
    email,
    inbound,
    line,
    line_events,
    wecom,
    wecom_events,
    whatsapp,
)
from officegate.server.errors import NotAuthenticated, NotFound, OfficeGateError
from officegate.server.messaging import contacts
from officegate.server.messaging.deps import MessagingDep
from officegate.server.messaging.models import Channel
from officegate.server.messaging.runtime import Messaging

router = APIRouter(tags=["webhooks"])
log = logging.getLogger(__name__)


class BadSignature(OfficeGateError):
    """The body was not signed with our secret (403)."""

    status_code = 403


def _bad_body(reason: str) -> Response:
    return JSONResponse({"detail": {"code": "bad_body", "message_en": reason,
                                    "message_ja": "リクエストの形式が正しくありません"}},
                        status_code=400)


def _secret(value: _Secret | None, channel: str) -> str:
    if value is None or not value.get_secret_value():
        raise NotFound("channel_off", f"the {channel} channel is not configured",
                       f"{channel} チャネルは設定されていません")
    return value.get_secret_value()


def _check(ok: bool, header: str | None) -> None:
    if not header:
        raise NotAuthenticated("no_signature", "the signature header is missing",
                               "署名ヘッダーがありません")
    if not ok:
        raise BadSignature("bad_signature", "the signature does not match the body",
                           "署名が一致しません")


@router.post("/webhooks/line")
async def line_webhook(request: Request, rt: MessagingDep) -> Response:
    """LINE Messaging API webhook (empty ``events`` = the console's verification call)."""
    secret = _secret(rt.config.line_channel_secret, "LINE")
    header = request.headers.get("x-line-signature")
    _check(True, header)  # no signature: refused before the body is read
    body = await request.body()
    _check(line.signature_ok(secret, body, header), header)
    try:
        events = line.parse_events(body)
    except ValueError as exc:
        return _bad_body(str(exc))

    outcome = await run_in_threadpool(rt.run, lambda db: line_events.handle(db, rt, events))
    await run_in_threadpool(line_events.refuse_groups, rt, outcome)
    return JSONResponse({"ok": True, "events": len(events), "stored": outcome.stored,
                         "ignored_group_events": outcome.ignored_group_events})


async def _run(rt: Messaging, work: Callable[[Session], int]) -> int:
    return await run_in_threadpool(rt.run, work)


@router.get("/webhooks/whatsapp")
def whatsapp_verify(request: Request, rt: MessagingDep) -> Response:
    """The Cloud API's subscription handshake: echo hub.challenge when the token matches."""
    token = _secret(rt.config.whatsapp_verify_token, "WhatsApp")
    q = request.query_params
    given = q.get("hub.verify_token", "")
    if q.get("hub.mode") != "subscribe" or not hmac.compare_digest(given.encode(),
                                                                   token.encode()):
        raise BadSignature("bad_verify_token", "hub.mode or hub.verify_token is wrong",
                           "検証トークンが一致しません")
    return PlainTextResponse(q.get("hub.challenge", "")[:200])


@router.post("/webhooks/whatsapp")
async def whatsapp_webhook(request: Request, rt: MessagingDep) -> Response:
    """WhatsApp Cloud API notifications: incoming messages and delivery statuses."""
    secret = _secret(rt.config.whatsapp_app_secret, "WhatsApp")
    header = request.headers.get("x-hub-signature-256")
    _check(True, header)  # no signature: refused before the body is read
    body = await request.body()
    _check(whatsapp.signature_ok(secret, body, header), header)
    try:
        note = whatsapp.parse(body)
    except ValueError as exc:
        return _bad_body(str(exc))
    for error in note.errors:  # the account's or webhook's trouble, not a person's message
        log.warning("WhatsApp reports error %d: %s", error.code, error.title)

    def work(db: Session) -> int:
        stored = 0
        for m in note.messages:
            stored += inbound.receive_text(
                db, rt, channel=Channel.WHATSAPP, address=m.wa_id, name=m.name,
                text=m.text or f"({m.type})", event_id=m.wamid)
        for st in note.statuses:
            inbound.update_delivery(db, external_id=st.wamid, status=st.status,
                                    errors=[f"{e.code} {e.title}" for e in st.errors])
        return stored

    stored = await _run(rt, work)
    return JSONResponse({"ok": True, "messages": len(note.messages),
                         "statuses": len(note.statuses), "errors": len(note.errors),
                         "stored": stored})


def _wecom_crypto(rt: Messaging) -> wecom.WeComCrypto:
    if rt.wecom_crypto is None:
        raise NotFound("channel_off", "the WeCom channel is not configured",
                       "WeCom チャネルは設定されていません")
    return rt.wecom_crypto


def _wecom_query(request: Request, *names: str) -> list[str]:
    q = request.query_params
    values = [q.get(name, "")[:512] for name in names]
    if not values[0]:
        raise NotAuthenticated("no_signature", "msg_signature is missing",
                               "署名がありません")
    if not all(values):
        raise InvalidCallback("bad_query", f"{', '.join(names)} are required",
                              "パラメータが足りません")
    return values


class InvalidCallback(OfficeGateError):
    """A WeCom callback whose query or body is malformed (400)."""

    status_code = 400


def _wecom_refusal(exc: wecom.CallbackError) -> OfficeGateError:
    if exc.signature:
        return BadSignature("bad_signature", str(exc), "署名が一致しません")
    return InvalidCallback("bad_body", str(exc), "リクエストの形式が正しくありません")


@router.get("/webhooks/wecom", response_class=PlainTextResponse)
def wecom_verify(request: Request, rt: MessagingDep) -> Response:
    """WeCom's callback URL check: answer the decrypted ``echostr`` when it is signed."""
    crypto = _wecom_crypto(rt)
    signature, timestamp, nonce, echostr = _wecom_query(
        request, "msg_signature", "timestamp", "nonce", "echostr")
    try:
        return PlainTextResponse(crypto.verify_url(msg_signature=signature, timestamp=timestamp,
                                                   nonce=nonce, echostr=echostr))
    except wecom.CallbackError as exc:
        raise _wecom_refusal(exc) from None


@router.post("/webhooks/wecom", response_class=PlainTextResponse)
async def wecom_webhook(request: Request, rt: MessagingDep) -> Response:
    """A WeCom customer-service callback: checked and decrypted, then the new messages are
    read with ``kf/sync_msg`` and stored. Answers ``success`` (WeCom retries otherwise)."""
    crypto = _wecom_crypto(rt)
    signature, timestamp, nonce = _wecom_query(request, "msg_signature", "timestamp", "nonce")
    body = await request.body()
    try:
        callback = wecom.parse_callback(crypto.decrypt(body=body, msg_signature=signature,
                                                       timestamp=timestamp, nonce=nonce))
    except wecom.CallbackError as exc:
        raise _wecom_refusal(exc) from None
    if callback is not None and rt.wecom is not None:
        try:
            outcome = await run_in_threadpool(wecom_events.sync, rt, callback)
            log.info("WeCom sync: %d items, %d stored", outcome.items, outcome.stored)
        except (wecom.ApiError, OSError, ValueError) as exc:
            # WeCom's API is down or refused: the cursor did not move, the next callback
            # (or WeCom's retry of this one) reads the same messages again.
            log.warning("WeCom sync failed: %s", exc)
            return PlainTextResponse("retry later", status_code=503)
    return PlainTextResponse("success")


class InboundMail(BaseModel):
    """A reply as the mail gateway forwards it."""

    model_config = ConfigDict(extra="ignore")
    message_id: str = Field(min_length=3, max_length=200)
    sender: str = Field(alias="from", min_length=3, max_length=320)
    subject: str = Field(default="", max_length=500)
    text: str = Field(min_length=1, max_length=20000)


@router.post("/webhooks/email")
async def email_webhook(body: InboundMail, request: Request, rt: MessagingDep) -> Response:
    """A visitor's e-mail reply, forwarded by the mail gateway with our shared token."""
    token = _secret(rt.config.inbound_mail_token, "e-mail")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise NotAuthenticated("no_token", "send 'Authorization: Bearer <token>'",
                               "トークンが必要です")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise BadSignature("bad_token", "the token is wrong", "トークンが一致しません")
    address = email.sender_address(body.sender)
    text = email.strip_quoted(body.text) or body.text.strip()

    def work(db: Session) -> int:
        if contacts.find_by_identity(db=db, channel=Channel.EMAIL, address=address) is None:
            return -1  # mail from strangers is not a visitor's reply
        return int(inbound.receive_text(db, rt, channel=Channel.EMAIL, address=address,
                                        text=text, event_id=body.message_id))

    stored = await _run(rt, work)
    if stored < 0:
        return JSONResponse({"ok": True, "stored": 0, "reason": "unknown sender"},
                            status_code=202)
    return JSONResponse({"ok": True, "stored": stored})
