"""FAQ editing for staff: JSON API and the /staff/faq page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.deps import StaffPageUser, StaffUser, StateDep
from officegate.server.errors import Forbidden, OfficeGateError
from officegate.server.faq import service
from officegate.server.faq.models import FaqChange, FaqEntry
from officegate.server.http.openapi import TEXT_RULE
from officegate.server.messaging.deps import MessagingDep

router = APIRouter(tags=["faq"])


class FaqIn(BaseModel):
    """One FAQ topic as staff write it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [  # one question
        {"required": [f"questions_{lang}"], "properties": {f"questions_{lang}": {
            "minItems": 1, "items": {"type": "string", "pattern": r"^\s*\S"}}}}
        for lang in ("ja", "en")]})
    questions_ja: list[Annotated[str, Field(json_schema_extra=TEXT_RULE)]] = Field(
        default_factory=list, max_length=50)
    questions_en: list[Annotated[str, Field(json_schema_extra=TEXT_RULE)]] = Field(
        default_factory=list, max_length=50)
    answer_ja: str = Field(max_length=2000, json_schema_extra=TEXT_RULE)
    answer_en: str = Field(max_length=2000, json_schema_extra=TEXT_RULE)
    active: bool = True


class FaqOut(FaqIn):
    """A stored topic."""

    topic: str


def _out(e: FaqEntry) -> FaqOut:
    return FaqOut(topic=e.topic, questions_ja=e.questions_ja, questions_en=e.questions_en,
                  answer_ja=e.answer_ja, answer_en=e.answer_en, active=e.active)


class FaqChangeOut(BaseModel):
    """One edit of a topic: who, when, and the entry before and after."""

    topic: str
    action: str
    user_id: int | None
    user: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str]


def _change_out(c: FaqChange) -> FaqChangeOut:
    return FaqChangeOut(topic=c.topic, action=c.action, user_id=c.user_id, user=c.user_name,
                        at=c.created_at, before=c.before, after=c.after,
                        changed=[f for f, _, _ in service.changed_fields(c)])


def _me(db: Session, user: User) -> User:
    return db.get(User, user.id) or user


def _by(db: Session, request: Request, user: User) -> dict[str, Any]:
    """Who edits, for the topic's history (``by``) and the audit log (``who``)."""
    me = _me(db, user)
    return {"by": me, "who": audit.actor_of(request, me)}


@router.get("/api/faq", response_model=list[FaqOut])
def list_faq(rt: MessagingDep, _user: StaffUser) -> list[FaqOut]:
    """The site's FAQ."""
    return rt.run(lambda db: [_out(e) for e in service.list_entries(db=db, site=rt.site)])


@router.put("/api/faq/{topic}", response_model=FaqOut)
def put_faq(topic: Annotated[str, Path(json_schema_extra={"pattern": "^[a-z0-9_]{2,64}$"})],
            body: FaqIn, request: Request, rt: MessagingDep, user: StaffUser) -> FaqOut:
    """Create or replace a topic; the bot uses it from the next question on."""
    def work(db: Session) -> FaqOut:
        return _out(service.save_entry(db=db, site=rt.site, topic=topic,
                                       **_by(db, request, user), **body.model_dump()))
    result = rt.run(work)
    rt.matchers.forget(rt.site)
    return result


@router.delete("/api/faq/{topic}", status_code=204)
def delete_faq(topic: str, request: Request, rt: MessagingDep, user: StaffUser) -> Response:
    """Remove a topic (its history stays)."""
    rt.run(lambda db: service.delete_entry(db=db, site=rt.site, topic=topic,
                                           **_by(db, request, user)))
    rt.matchers.forget(rt.site)
    return Response(status_code=204)


@router.get("/api/faq-history", response_model=list[FaqChangeOut])
def faq_history(rt: MessagingDep, _user: StaffUser,
                topic: Annotated[str | None, Query(max_length=64)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[FaqChangeOut]:
    """Who changed which topic when, newest first (deleted topics included)."""
    return rt.run(lambda db: [_change_out(c) for c in service.history(
        db=db, site=rt.site, topic=topic, limit=limit)])


def _history_rows(changes: list[FaqChange]) -> list[dict[str, Any]]:
    """The history as the FAQ page shows it: each changed field's values as text."""
    def shown(value: Any) -> str:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        if isinstance(value, bool):
            return "はい / yes" if value else "いいえ / no"
        return "" if value is None else str(value)

    return [{"topic": c.topic, "action": c.action, "user": c.user_name,
             "at": c.created_at,
             "fields": [(f, shown(b), shown(a)) for f, b, a in service.changed_fields(c)]}
            for c in changes]


@router.get("/staff/faq", response_class=HTMLResponse, include_in_schema=False)
def faq_page(request: Request, rt: MessagingDep, state: StateDep,
             user: StaffPageUser) -> Response:
    """The FAQ editor: one form per topic, one line per question variant; the change history."""
    def work(db: Session) -> tuple[list[FaqEntry], list[dict[str, Any]]]:
        entries = service.list_entries(db=db, site=rt.site)
        return entries, _history_rows(service.history(db=db, site=rt.site, limit=50))
    entries, changes = rt.run(work)
    return state.templates.TemplateResponse(request, "messaging_faq.html", page_context(
        request, user, entries=entries, changes=changes, error=request.query_params.get("error")))


@router.post("/staff/faq", include_in_schema=False)
def faq_save(request: Request, rt: MessagingDep, user: StaffPageUser,
             topic: Annotated[str, Form()],
             questions_ja: Annotated[str, Form()] = "", questions_en: Annotated[str, Form()] = "",
             answer_ja: Annotated[str, Form()] = "", answer_en: Annotated[str, Form()] = "",
             active: Annotated[str, Form()] = "") -> Response:
    """Save one topic from the editor form."""
    if user.role == Role.HOST:
        raise Forbidden("forbidden", "only staff edit the FAQ", "FAQの編集はスタッフのみです")
    try:
        rt.run(lambda db: service.save_entry(
            db=db, site=rt.site, topic=topic, questions_ja=questions_ja.splitlines(),
            questions_en=questions_en.splitlines(), answer_ja=answer_ja, answer_en=answer_en,
            active=bool(active), **_by(db, request, user)))
    except OfficeGateError as exc:
        return RedirectResponse(f"/staff/faq?error={exc.code}", status_code=303)
    rt.matchers.forget(rt.site)
    return RedirectResponse(f"/staff/faq#topic-{topic}", status_code=303)
