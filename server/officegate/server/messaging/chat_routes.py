"""The web chat on the pass page: the pass link is the visitor's only credential."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from officegate.server.db import utcnow
from officegate.server.errors import Gone
from officegate.server.messaging import contacts, link_codes, service, surveys
from officegate.server.messaging.deps import MessagingDep
from officegate.server.messaging.models import Channel, Contact, Message
from officegate.server.messaging.runtime import Messaging, message_json
from officegate.server.messaging.schemas import (
    ChatIn,
    ChatOut,
    CsatIn,
    LanguageIn,
    MessageOut,
    OptOutIn,
    TurnOut,
)
from officegate.server.proactive.service import notice_language
from officegate.server.visits import pass_page
from officegate.server.visits.holder import HolderOnly
from officegate.server.visits.models import Visit

router = APIRouter(tags=["chat"], dependencies=[HolderOnly])  # the holding phone only
CHAT_AFTER_VISIT = timedelta(days=7)  # long enough to answer the survey
HEARTBEAT_S = 15.0


def contact_for_token(db: Session, token: str) -> Contact:
    """The contact behind a pass link; 404 for unknown links, 410 for revoked or old ones."""
    row = pass_page.find_pass(db=db, token=token)
    visit = db.get(Visit, row.visit_id)
    # Check-out revokes the pass, but the visitor still answers the survey here; a pass
    # revoked before the visit began (a cancelled invitation) closes the chat.
    began = visit and min(visit.starts_at, visit.checked_in_at or visit.starts_at)
    if row.revoked_at is not None and (not began or row.revoked_at < began):
        raise Gone("pass_revoked", "This pass has been cancelled.", "このパスは取り消されました。")
    if row.valid_until + CHAT_AFTER_VISIT < utcnow():
        raise Gone("chat_closed", "This chat has closed.", "このチャットは終了しました。")
    contact = contacts.contact_for_visit(db=db, visit_id=row.visit_id)
    assert contact is not None  # a pass always has its visit
    return contact


def out(msg: Message) -> MessageOut:
    """A stored message as the API shows it."""
    return MessageOut.model_validate(message_json(msg))


@router.get("/api/chat/{token}", response_model=ChatOut)
def chat_history(token: str, rt: MessagingDep) -> ChatOut:
    """The visitor's timeline (no staff notes) and chat settings."""
    def work(db: Session) -> ChatOut:
        contact = contact_for_token(db, token)
        lang = notice_language(db=db, contact=contact, default=rt.config.default_lang)
        return ChatOut(lang=contact.lang, notice_lang=lang,
                       link_code=link_codes.current(contact=contact),
                       opted_out=contact.opted_out_at is not None,
                       survey_pending=surveys.pending_survey(db=db, contact=contact) is not None,
                       messages=[out(m) for m in service.timeline(db=db, contact=contact,
                                                                  staff=False)])
    return rt.run(work)


def visitor_writes(db: Session, rt: Messaging, contact: Contact, text: str) -> TurnOut:
    """A visitor's web-chat message stored, and the bot's answer or hand-off."""
    turn = service.receive(db=db, contact=contact, channel=Channel.WEB, text=text,
                           matcher=rt.matcher(db, contact.site))
    return TurnOut(message=out(turn.message) if turn.message else None,
                   replies=[out(r) for r in turn.replies], duplicate=turn.duplicate)


@router.post("/api/chat/{token}/messages", response_model=TurnOut, status_code=201)
def chat_send(token: str, body: ChatIn, rt: MessagingDep) -> TurnOut:
    """The visitor writes; the bot answers or hands off, all in the answer and live."""
    return rt.run(lambda db: visitor_writes(db, rt, contact_for_token(db, token), body.text))


@router.post("/api/chat/{token}/csat", status_code=201)
def chat_csat(token: str, body: CsatIn, rt: MessagingDep) -> dict[str, int]:
    """Answer the after-visit survey (once per visit)."""
    def work(db: Session) -> dict[str, int]:
        contact = contact_for_token(db, token)
        survey = surveys.pending_survey(db=db, contact=contact)
        visit_id = survey.data.get("visit_id") if survey else contact.visit_id
        row = surveys.record(db=db, contact=contact, visit_id=visit_id, rating=body.rating,
                             comment=body.comment)
        return {"rating": row.rating}
    return rt.run(work)


@router.post("/api/chat/{token}/opt-out")
def chat_opt_out(token: str, body: OptOutIn, rt: MessagingDep) -> dict[str, bool]:
    """The one opt-out switch for proactive notices (answers to questions still come)."""
    def work(db: Session) -> dict[str, bool]:
        contact = contact_for_token(db, token)
        contact.opted_out_at = (contact.opted_out_at or utcnow()) if body.opt_out else None
        return {"opted_out": body.opt_out}
    return rt.run(work)


@router.put("/api/chat/{token}/language")
def chat_language(token: str, body: LanguageIn, rt: MessagingDep) -> dict[str, str]:
    """The pass page's language switch: notices to this visitor speak it from now on."""
    def work(db: Session) -> dict[str, str]:
        contact = contact_for_token(db, token)
        contact.pass_lang = body.lang
        return {"lang": body.lang}
    return rt.run(work)


@router.get("/api/chat/{token}/stream")
async def chat_stream(token: str, request: Request, rt: MessagingDep) -> StreamingResponse:
    """Server-sent events: every new entry of the visitor's timeline, as it happens."""
    def find(db: Session) -> int:
        return contact_for_token(db, token).id
    contact_id = await asyncio.to_thread(rt.run, find)
    return sse(request, rt, f"contact:{contact_id}")


def sse(request: Request, rt: Messaging, topic: str) -> StreamingResponse:
    """A server-sent-events response of every payload published on ``topic``."""
    queue = rt.hub.subscribe(topic)

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n: connected\n\n"
            while not await request.is_disconnected():
                try:
                    text = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": ping\n\n"  # keeps proxies from closing an idle stream
                    continue
                yield f"event: message\ndata: {text}\n\n"
        finally:
            rt.hub.unsubscribe(topic, queue)

    return StreamingResponse(events(), media_type="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Referrer-Policy": "no-referrer"})
