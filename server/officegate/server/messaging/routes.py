"""The inbox API for hosts and staff: list, read, reply, note, assign, status, merge."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.auth.models import User
from officegate.server.db import RowId, utcnow
from officegate.server.deps import InvitingUser, StaffUser
from officegate.server.http.openapi import CSV
from officegate.server.messaging import contacts, metrics, service
from officegate.server.messaging.chat_routes import out, sse
from officegate.server.messaging.deps import MessagingDep
from officegate.server.messaging.models import Contact, Conversation, Message, Status
from officegate.server.messaging.schemas import (
    AssignIn,
    ConversationDetailOut,
    ConversationOut,
    MergeIn,
    MessageOut,
    ReplyIn,
    StatusIn,
)

router = APIRouter(tags=["inbox"])
StatusQ = Annotated[str | None, Query(pattern="^(open|pending|resolved|snoozed)$")]
AssigneeQ = Annotated[str | None, Query(pattern="^(me|none|any)$")]
ChannelQ = Annotated[str | None, Query(pattern="^(web|email|line|whatsapp)$")]
QueueQ = Annotated[str | None, Query(pattern="^(host|reception|notices)$")]


def conversation_out(db: Session, conv: Conversation) -> ConversationOut:
    """A conversation with its contact's name and last message."""
    contact = db.get(Contact, conv.contact_id)
    last = db.scalar(select(Message.body).where(Message.conversation_id == conv.id)
                     .order_by(Message.id.desc()).limit(1))
    return ConversationOut(
        id=conv.id, contact_id=conv.contact_id, contact_name=contact.name if contact else "",
        visit_id=conv.visit_id, channel=conv.channel, status=conv.status, queue=conv.queue,
        assignee_id=conv.assignee_id, last_activity_at=conv.last_activity_at,
        last_message=(last or "")[:140])


def detail(db: Session, conv: Conversation) -> ConversationDetailOut:
    """A conversation and the whole timeline of its contact (notes included)."""
    contact = contacts.get_contact(db=db, contact_id=conv.contact_id)
    base = conversation_out(db, conv)
    return ConversationDetailOut(
        **base.model_dump(),
        identities=[{"channel": i.channel, "address": i.address}
                    for i in contacts.identities(db=db, contact=contact)],
        timeline=[out(m) for m in service.timeline(db=db, contact=contact, staff=True)])


@router.get("/api/conversations", response_model=list[ConversationOut])
def list_conversations(rt: MessagingDep, user: InvitingUser, status: StatusQ = None,
                       assignee: AssigneeQ = None, channel: ChannelQ = None,
                       queue: QueueQ = None) -> list[ConversationOut]:
    """Conversations newest first; hosts see their visitors' and those given to them."""
    def work(db: Session) -> list[ConversationOut]:
        rows = service.list_conversations(db=db, user=_fresh(db, user), status=status,
                                          assignee=assignee, channel=channel, queue=queue)
        return [conversation_out(db, c) for c in rows]
    return rt.run(work)


def _fresh(db: Session, user: User) -> User:
    return db.get(User, user.id) or user


@router.get("/api/conversations/{conversation_id}", response_model=ConversationDetailOut)
def get_conversation(conversation_id: RowId, request: Request, rt: MessagingDep,
                     user: InvitingUser) -> ConversationDetailOut:
    """One conversation and the contact's timeline: messages, notes, access and journey."""
    def work(db: Session) -> ConversationDetailOut:
        me = _fresh(db, user)
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        audit.record(db, who=audit.actor_of(request, me), action="visitor.view",
                     target=f"conversation:{conversation_id}")
        return detail(db, conv)
    return rt.run(work)


@router.get("/api/conversations/{conversation_id}/stream")
async def conversation_stream(conversation_id: RowId, request: Request, rt: MessagingDep,
                              user: InvitingUser) -> StreamingResponse:
    """Server-sent events: new entries (notes included) of this conversation's contact."""
    def find(db: Session) -> int:
        conv = service.get_conversation(db=db, user=_fresh(db, user),
                                        conversation_id=conversation_id)
        return conv.contact_id
    contact_id = await asyncio.to_thread(rt.run, find)
    return sse(request, rt, f"staff:{contact_id}")


def _state(conv: Conversation) -> dict[str, object]:
    return {"status": str(conv.status), "assignee": conv.assignee_id}


def reply_recorded(db: Session, request: Request, *, me: User, conv: Conversation, text: str,
                   private: bool) -> Message:
    """Reply (or note) and put it on the audit log: the message's id, never its text."""
    before = _state(conv)
    msg = service.reply(db=db, conv=conv, user=me, text=text, private=private)
    db.flush()
    audit.record(db, who=audit.actor_of(request, me),
                 action="conversation.note" if private else "conversation.reply",
                 target=f"conversation:{conv.id}", before=before,
                 after={**_state(conv), "message": msg.id})
    return msg


def assign_recorded(db: Session, request: Request, *, me: User, conv: Conversation,
                    assignee_id: int | None) -> None:
    """Assign (or unassign) and put it on the audit log with before and after."""
    before = _state(conv)
    service.assign(db=db, conv=conv, user=me, assignee_id=assignee_id)
    audit.record(db, who=audit.actor_of(request, me), action="conversation.assign",
                 target=f"conversation:{conv.id}", before=before, after=_state(conv))


def status_recorded(db: Session, request: Request, *, me: User, conv: Conversation,
                    status: Status, until: datetime | None = None) -> None:
    """Resolve, reopen, snooze or hand back, and put it on the audit log."""
    before = _state(conv)
    service.set_status(db=db, conv=conv, user=me, status=status, until=until)
    audit.record(db, who=audit.actor_of(request, me), action="conversation.status",
                 target=f"conversation:{conv.id}", before=before, after=_state(conv))


@router.post("/api/conversations/{conversation_id}/messages", response_model=MessageOut,
             status_code=201)
def post_reply(conversation_id: RowId, body: ReplyIn, request: Request, rt: MessagingDep,
               user: InvitingUser) -> MessageOut:
    """Reply to the visitor on their channel, or add a private note (``private: true``)."""
    def work(db: Session) -> MessageOut:
        me = _fresh(db, user)
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        return out(reply_recorded(db, request, me=me, conv=conv, text=body.text,
                                  private=body.private))
    return rt.run(work)


@router.post("/api/conversations/{conversation_id}/assign", response_model=ConversationOut)
def assign(conversation_id: RowId, body: AssignIn, request: Request, rt: MessagingDep,
           user: InvitingUser) -> ConversationOut:
    """Assign to a user (hosts only to themselves) or unassign."""
    def work(db: Session) -> ConversationOut:
        me = _fresh(db, user)
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        assign_recorded(db, request, me=me, conv=conv, assignee_id=body.user_id)
        return conversation_out(db, conv)
    return rt.run(work)


@router.post("/api/conversations/{conversation_id}/status", response_model=ConversationOut)
def set_status(conversation_id: RowId, body: StatusIn, request: Request, rt: MessagingDep,
               user: InvitingUser) -> ConversationOut:
    """Resolve, reopen, snooze, or hand back to the bot ("pending")."""
    def work(db: Session) -> ConversationOut:
        me = _fresh(db, user)
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        until = (utcnow() + timedelta(minutes=body.snooze_minutes)
                 if body.snooze_minutes else None)
        status_recorded(db, request, me=me, conv=conv, status=Status(body.status), until=until)
        return conversation_out(db, conv)
    return rt.run(work)


@router.post("/api/contacts/{contact_id}/merge")
def merge_contacts(contact_id: RowId, body: MergeIn, request: Request, rt: MessagingDep,
                   user: StaffUser) -> dict[str, int]:
    """Merge another contact (say, an anonymous LINE chat) into this visitor's timeline."""
    def work(db: Session) -> dict[str, int]:
        keep = contacts.get_contact(db=db, contact_id=contact_id)
        gone = contacts.get_contact(db=db, contact_id=body.other_contact_id)
        contacts.merge(db=db, keep=keep, gone=gone)
        audit.record(db, who=audit.actor_of(request, user), action="contact.merge",
                     target=f"contact:{keep.id}", after={"merged": body.other_contact_id})
        return {"contact_id": keep.id, "merged": body.other_contact_id}
    return rt.run(work)


@router.get("/api/messaging/metrics", response_model=metrics.Figures)
def get_metrics(rt: MessagingDep, _user: StaffUser) -> metrics.Figures:
    """Response and resolution times, bot containment, CSAT, survey rate, visit funnel."""
    return rt.run(lambda db: metrics.compute(db=db, site=rt.site))


@router.get("/api/messaging/metrics.csv", response_class=Response, responses=CSV)
def get_metrics_csv(rt: MessagingDep, _user: StaffUser) -> Response:
    """The same figures as CSV (metric, value, unit, definition)."""
    figures = rt.run(lambda db: metrics.compute(db=db, site=rt.site))
    return Response(metrics.to_csv(figures), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="messaging-metrics.csv"'})
