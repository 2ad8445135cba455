"""The inbox pages for hosts and staff, and the messaging figures page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.db import RowId, utcnow
from officegate.server.deps import StaffPageUser, StateDep
from officegate.server.errors import Forbidden, OfficeGateError
from officegate.server.messaging import metrics, service
from officegate.server.messaging.deps import MessagingDep
from officegate.server.messaging.models import Status
from officegate.server.messaging.routes import (
    AssigneeQ,
    ChannelQ,
    QueueQ,
    StatusQ,
    assign_recorded,
    detail,
    reply_recorded,
    status_recorded,
)
from officegate.server.messaging.routes import conversation_out as row_out

router = APIRouter(include_in_schema=False)


@router.get("/staff/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, rt: MessagingDep, state: StateDep, user: StaffPageUser,
               status: StatusQ = None, assignee: AssigneeQ = None, channel: ChannelQ = None,
               queue: QueueQ = None) -> Response:
    """Conversations with filters: status, assignee, channel, queue."""
    def work(db: Session) -> list[object]:
        me = db.get(User, user.id) or user
        return [row_out(db, c) for c in service.list_conversations(
            db=db, user=me, status=status, assignee=assignee, channel=channel, queue=queue)]
    rows = rt.run(work)
    return state.templates.TemplateResponse(request, "messaging_inbox.html", page_context(
        request, user, rows=rows, filters={"status": status or "", "assignee": assignee or "",
                                           "channel": channel or "", "queue": queue or ""}))


@router.get("/staff/inbox/{conversation_id}", response_class=HTMLResponse)
def conversation_page(conversation_id: RowId, request: Request, rt: MessagingDep,
                      state: StateDep, user: StaffPageUser) -> Response:
    """One conversation: the contact's whole timeline, reply and note forms, actions."""
    def work(db: Session) -> tuple[object, list[User]]:
        me = db.get(User, user.id) or user
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        audit.record(db, who=audit.actor_of(request, me), action="visitor.view",
                     target=f"conversation:{conversation_id}")
        people = list(db.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
        return detail(db, conv), people
    conv, people = rt.run(work)
    return state.templates.TemplateResponse(request, "messaging_conversation.html", page_context(
        request, user, conv=conv, people=people, error=request.query_params.get("error")))


def _act(request: Request, rt: MessagingDep, user: User, conversation_id: int, action: str,
         value: str) -> Response:
    def work(db: Session) -> None:
        me = db.get(User, user.id) or user
        conv = service.get_conversation(db=db, user=me, conversation_id=conversation_id)
        if action in ("reply", "note"):
            reply_recorded(db, request, me=me, conv=conv, text=value, private=action == "note")
        elif action == "assign":
            # isdecimal, not isdigit: int() refuses digits like "²"; a huge number is no id.
            given = int(value) if value.isdecimal() and len(value) <= 18 else None
            assign_recorded(db, request, me=me, conv=conv, assignee_id=given)
        elif action == "snooze":
            status_recorded(db, request, me=me, conv=conv, status=Status.SNOOZED,
                            until=utcnow() + timedelta(hours=1))
        elif action in ("open", "pending", "resolved"):
            status_recorded(db, request, me=me, conv=conv, status=Status(action))
    try:
        rt.run(work)
    except OfficeGateError as exc:
        if exc.status_code == 404:
            raise
        return RedirectResponse(f"/staff/inbox/{conversation_id}?error={exc.code}",
                                status_code=303)
    return RedirectResponse(f"/staff/inbox/{conversation_id}#end", status_code=303)


@router.post("/staff/inbox/{conversation_id}")
def conversation_action(conversation_id: RowId, request: Request, rt: MessagingDep,
                        user: StaffPageUser,
                        action: Annotated[str, Form(pattern="^(reply|note|assign|open|pending|"
                                                            "resolved|snooze)$")],
                        value: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """The form buttons of the conversation page (reply, note, assign, status)."""
    return _act(request, rt, user, conversation_id, action, value)


@router.get("/staff/messaging/metrics", response_class=HTMLResponse)
def metrics_page(request: Request, rt: MessagingDep, state: StateDep,
                 user: StaffPageUser) -> Response:
    """The figures with their definitions, and the visit funnel."""
    if user.role == Role.HOST:
        raise Forbidden("forbidden", "figures are for staff", "この画面はスタッフ専用です")
    figures = rt.run(lambda db: metrics.compute(db=db, site=rt.site))
    return state.templates.TemplateResponse(request, "messaging_metrics.html", page_context(
        request, user, f=figures, definitions=metrics.DEFINITIONS))


@router.get("/staff/messaging/metrics.csv")
def metrics_csv(rt: MessagingDep, user: StaffPageUser) -> Response:
    """The figures as CSV, for the signed-in staff page."""
    if user.role == Role.HOST:
        raise Forbidden("forbidden", "figures are for staff", "この画面はスタッフ専用です")
    figures = rt.run(lambda db: metrics.compute(db=db, site=rt.site))
    return Response(metrics.to_csv(figures), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="messaging-metrics.csv"'})
