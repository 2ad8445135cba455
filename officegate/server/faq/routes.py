"""FAQ editing for staff: JSON API and the /staff/faq page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from officegate.server.auth.models import Role
from officegate.server.deps import StaffPageUser, StaffUser, StateDep
from officegate.server.errors import Forbidden, OfficeGateError
from officegate.server.faq import service
from officegate.server.faq.models import FaqEntry
from officegate.server.messaging.deps import MessagingDep

router = APIRouter(tags=["faq"])


class FaqIn(BaseModel):
    """One FAQ topic as staff write it."""

    model_config = ConfigDict(extra="forbid")
    questions_ja: list[str] = Field(default_factory=list, max_length=50)
    questions_en: list[str] = Field(default_factory=list, max_length=50)
    answer_ja: str = Field(max_length=2000)
    answer_en: str = Field(max_length=2000)
    active: bool = True


class FaqOut(FaqIn):
    """A stored topic."""

    topic: str


def _out(e: FaqEntry) -> FaqOut:
    return FaqOut(topic=e.topic, questions_ja=e.questions_ja, questions_en=e.questions_en,
                  answer_ja=e.answer_ja, answer_en=e.answer_en, active=e.active)


@router.get("/api/faq", response_model=list[FaqOut])
def list_faq(rt: MessagingDep, _user: StaffUser) -> list[FaqOut]:
    """The site's FAQ."""
    return rt.run(lambda db: [_out(e) for e in service.list_entries(db=db, site=rt.site)])


@router.put("/api/faq/{topic}", response_model=FaqOut)
def put_faq(topic: str, body: FaqIn, rt: MessagingDep, _user: StaffUser) -> FaqOut:
    """Create or replace a topic; the bot uses it from the next question on."""
    def work(db: Session) -> FaqOut:
        return _out(service.save_entry(db=db, site=rt.site, topic=topic, **body.model_dump()))
    result = rt.run(work)
    rt.matchers.forget(rt.site)
    return result


@router.delete("/api/faq/{topic}", status_code=204)
def delete_faq(topic: str, rt: MessagingDep, _user: StaffUser) -> Response:
    """Remove a topic."""
    rt.run(lambda db: service.delete_entry(db=db, site=rt.site, topic=topic))
    rt.matchers.forget(rt.site)
    return Response(status_code=204)


@router.get("/staff/faq", response_class=HTMLResponse, include_in_schema=False)
def faq_page(request: Request, rt: MessagingDep, state: StateDep,
             user: StaffPageUser) -> Response:
    """The FAQ editor: one form per topic, one line per question variant."""
    entries = rt.run(lambda db: service.list_entries(db=db, site=rt.site))
    return state.templates.TemplateResponse(request, "messaging_faq.html", {
        "user": user, "entries": entries, "error": request.query_params.get("error")})


@router.post("/staff/faq", include_in_schema=False)
def faq_save(rt: MessagingDep, user: StaffPageUser, topic: Annotated[str, Form()],
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
            active=bool(active)))
    except OfficeGateError as exc:
        return RedirectResponse(f"/staff/faq?error={exc.code}", status_code=303)
    rt.matchers.forget(rt.site)
    return RedirectResponse(f"/staff/faq#topic-{topic}", status_code=303)
