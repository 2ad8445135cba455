"""Chats started from a QR or link (``/chat/{entry}``): the page, and its API for a browser
that holds a chat key (messaging/entry.py). Answers, hand-offs and live replies are the same
as on the pass page's chat (chat.js)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from officegate.server.checkin import poster
from officegate.server.db import utcnow
from officegate.server.deps import StaffPageUser, StateDep
from officegate.server.errors import Forbidden
from officegate.server.http.guessing import too_many
from officegate.server.http.throttle import Throttle
from officegate.server.i18n import catalog, negotiate
from officegate.server.messaging import entry, link_codes, service
from officegate.server.messaging.chat_routes import contact_for_token, out, sse, visitor_writes
from officegate.server.messaging.deps import MessagingDep
from officegate.server.messaging.schemas import ChatIn, ChatOut, OptOutIn, TurnOut
from officegate.server.sites.service import get_site
from officegate.server.visits.holder import HolderOnly

router = APIRouter(tags=["chat"])


class StartIn(BaseModel):
    """A browser opening a chat at an entry point."""

    model_config = ConfigDict(extra="forbid")
    lang: str = Field(default="ja", pattern=r"^(ja|en|zh_CN)$")


class StartOut(BaseModel):
    """The chat key: the browser keeps it; the server keeps only its hash."""

    key: str


class MergeIn(BaseModel):
    """The chat key this phone chatted with before it had a pass."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=32, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


@router.get("/chat/{name}", response_class=HTMLResponse, include_in_schema=False)
def entry_page(name: str, request: Request, state: StateDep) -> Response:
    """The chat page a QR or link opens: no account, one language at a time."""
    entry.check_entry(name)
    lang = negotiate.choose(request)
    with state.sessions() as db:
        site = get_site(db=db, code=state.settings.site)
        site_name = site.name
    return state.templates.TemplateResponse(request, "chat_entry.html", {
        "entry": name, "lang": lang, "languages": catalog.LANGUAGES, "site_name": site_name},
        headers={"Referrer-Policy": "no-referrer"})


@router.get("/staff/chat-poster", response_class=HTMLResponse, include_in_schema=False)
def chat_poster(request: Request, state: StateDep, user: StaffPageUser,
                entry_point: str = "lobby") -> Response:
    """A printable QR that opens a chat at ``entry_point`` (staff), with its link to share."""
    if user.role not in ("admin", "staff"):
        raise Forbidden("forbidden", "staff only", "スタッフ専用です")
    name = entry.check_entry(entry_point)
    url = f"{state.settings.base_url.rstrip('/')}/chat/{name}"
    with state.sessions() as db:
        site_name = get_site(db=db, code=state.settings.site).name
    return state.templates.TemplateResponse(request, "chat_poster.html", {
        "user": user, "site_name": site_name, "entry": name, "url": url,
        "qr": poster.qr_svg(url), "lang": negotiate.page_language(request, user.lang)})


@router.post("/api/entry/{name}/start", response_model=StartOut, status_code=201)
def start_chat(name: Annotated[str, Path(json_schema_extra={"pattern": entry.ENTRY.pattern})],
               body: StartIn, request: Request, rt: MessagingDep) -> Response:
    """A new anonymous chat (a few per address and minute: a page opened, not a flood)."""
    entry.check_entry(name)
    throttle: Throttle = request.app.state.throttle
    address = request.client.host if request.client else "?"
    wait = throttle.retry_after("chat_start", address=address)
    if wait is not None:
        status, payload, headers = too_many(wait)
        return Response(payload, status_code=status, media_type="application/json",
                        headers={k.decode(): v.decode() for k, v in headers})
    throttle.failed("chat_start", address=address)  # each start uses one of the address's
    key, _contact = rt.run(lambda db: entry.start(db=db, site=rt.site, entry=name,
                                                  lang=body.lang))
    return JSONResponse({"key": key}, status_code=201)


@router.get("/api/entry-chat/{key}", response_model=ChatOut)
def entry_history(key: str, rt: MessagingDep) -> ChatOut:
    """The chat so far (no staff notes)."""
    def work(db: Session) -> ChatOut:
        contact = entry.contact_for_key(db=db, key=key)
        return ChatOut(lang=contact.lang, notice_lang=contact.pass_lang or contact.lang,
                       link_code=link_codes.current(contact=contact),
                       opted_out=contact.opted_out_at is not None, survey_pending=False,
                       messages=[out(m) for m in service.timeline(db=db, contact=contact,
                                                                  staff=False)])
    return rt.run(work)


@router.post("/api/entry-chat/{key}/messages", response_model=TurnOut, status_code=201)
def entry_send(key: str, body: ChatIn, rt: MessagingDep) -> TurnOut:
    """The visitor writes; the bot answers or hands off to reception."""
    return rt.run(lambda db: visitor_writes(db, rt, entry.contact_for_key(db=db, key=key),
                                            body.text))


@router.post("/api/entry-chat/{key}/opt-out")
def entry_opt_out(key: str, body: OptOutIn, rt: MessagingDep) -> dict[str, bool]:
    """Stop (or restart) notices to this chat."""
    def work(db: Session) -> dict[str, bool]:
        contact = entry.contact_for_key(db=db, key=key)
        contact.opted_out_at = (contact.opted_out_at or utcnow()) if body.opt_out else None
        return {"opted_out": body.opt_out}
    return rt.run(work)


@router.get("/api/entry-chat/{key}/stream")
async def entry_stream(key: str, request: Request, rt: MessagingDep) -> StreamingResponse:
    """Server-sent events: each new entry of this chat, as it happens."""
    contact_id = await asyncio.to_thread(
        rt.run, lambda db: entry.contact_for_key(db=db, key=key).id)
    return sse(request, rt, f"contact:{contact_id}")


@router.post("/api/chat/{token}/merge-entry", dependencies=[HolderOnly])
def merge_entry_chat(token: str, body: MergeIn, rt: MessagingDep) -> dict[str, bool]:
    """The pass page on a phone that chatted before it had a pass: one timeline."""
    def work(db: Session) -> dict[str, bool]:
        entry.merge_into(db=db, visitor=contact_for_token(db, token), key=body.key)
        return {"merged": True}
    return rt.run(work)
