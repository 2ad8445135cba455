"""Support figures with the industry's definitions, and the visit funnel.

- First response time: first visitor message -> first reply by a person (bot replies and
  automatic notices excluded), over conversations a person answered.
- Resolution time: conversation opened -> resolved, over resolved conversations.
- Bot containment: conversations with a visitor message that no person had to touch
  (never handed off, no human reply), over all conversations with a visitor message.
- CSAT: ratings of 4 or 5 over all ratings (1-5 scale); survey response rate: ratings over
  surveys sent.
- Funnel: visits invited -> pass opened -> approached -> checked in -> met -> surveyed.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.server.messaging.models import (
    Contact,
    Conversation,
    CsatResponse,
    Kind,
    Message,
    Sender,
)
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, VisitorPass

# Each step and the journey kinds that prove it (besides the visit's own records).
FUNNEL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("invited", ()), ("pass_opened", ("pass_opened",)),
    ("approached", ("approaching", "arrived")), ("checked_in", ("checked_in",)),
    ("met", ("meeting_started", "room_entered")), ("surveyed", ()))


class Figures(BaseModel):
    """The messaging figures of one site."""

    conversations: int
    first_response_median_s: float | None
    first_response_mean_s: float | None
    resolution_median_s: float | None
    resolution_mean_s: float | None
    bot_containment_rate: float | None
    csat_score: float | None
    csat_responses: int
    surveys_sent: int
    survey_response_rate: float | None
    funnel: dict[str, int]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _visits_with(db: Session, site: str, kinds: Iterable[str]) -> set[int]:
    rows = db.scalars(select(Message.data).join(Contact, Contact.id == Message.contact_id)
                      .where(Contact.site == site, Message.kind == Kind.ACTIVITY,
                             Message.event_kind.in_(list(kinds))))
    return {d["visit_id"] for d in rows if isinstance(d.get("visit_id"), int)}


def compute(*, db: Session, site: str, start: datetime | None = None,
            end: datetime | None = None) -> Figures:
    """All figures of ``site``: over everything stored, or over the conversations, ratings,
    surveys and visits that began in ``[start, end)``."""
    query = select(Conversation).where(Conversation.site == site,
                                       Conversation.queue.is_distinct_from("notices"))
    convs = list(db.scalars(_within(query, Conversation.created_at, start, end)))
    first_response: list[float] = []
    resolution: list[float] = []
    talked = contained = 0
    for conv in convs:
        first_in = db.scalar(select(func.min(Message.created_at)).where(
            Message.conversation_id == conv.id, Message.kind == Kind.INCOMING))
        if first_in is None:
            continue
        talked += 1
        first_human = db.scalar(select(func.min(Message.created_at)).where(
            Message.conversation_id == conv.id, Message.kind == Kind.OUTGOING,
            Message.sender == Sender.USER))
        if first_human is not None:
            first_response.append(max((first_human - first_in).total_seconds(), 0.0))
        elif conv.handed_off_at is None:
            contained += 1
        if conv.resolved_at is not None:
            resolution.append(max((conv.resolved_at - conv.created_at).total_seconds(), 0.0))
    ratings = list(db.scalars(_within(select(CsatResponse.rating).join(
        Contact, Contact.id == CsatResponse.contact_id).where(Contact.site == site),
        CsatResponse.created_at, start, end)))
    surveys = db.scalar(_within(select(func.count(Message.id)).join(
        Contact, Contact.id == Message.contact_id).where(
        Contact.site == site, Message.dedup_key.like("proactive:survey:%")),
        Message.created_at, start, end)) or 0
    return Figures(
        conversations=talked,
        first_response_median_s=_median(first_response),
        first_response_mean_s=_mean(first_response),
        resolution_median_s=_median(resolution), resolution_mean_s=_mean(resolution),
        bot_containment_rate=round(contained / talked, 4) if talked else None,
        csat_score=round(sum(r >= 4 for r in ratings) / len(ratings), 4) if ratings else None,
        csat_responses=len(ratings), surveys_sent=surveys,
        survey_response_rate=round(len(ratings) / surveys, 4) if surveys else None,
        funnel=funnel(db=db, site=site, start=start, end=end))


def _within(query: Any, column: Any, start: datetime | None, end: datetime | None) -> Any:
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end)
    return query


def funnel(*, db: Session, site: str, start: datetime | None = None,
           end: datetime | None = None) -> dict[str, int]:
    """How many of the site's visits (starting in ``[start, end)`` when given) reached each
    step (a later step implies the earlier)."""
    visits = set(db.scalars(_within(select(Visit.id).join(Site, Site.id == Visit.site_id)
                                    .where(Site.code == site), Visit.starts_at, start, end)))
    opened = set(db.scalars(select(VisitorPass.visit_id).where(
        VisitorPass.visit_id.in_(visits), VisitorPass.bound_at.is_not(None))))
    checked = set(db.scalars(select(Visit.id).where(Visit.id.in_(visits),
                                                    Visit.checked_in_at.is_not(None))))
    surveyed = {v for v in db.scalars(select(CsatResponse.visit_id).where(
        CsatResponse.visit_id.in_(visits))) if v is not None}
    reached: dict[str, set[int]] = {"invited": visits, "pass_opened": opened, "checked_in": checked,
               "surveyed": surveyed}
    for step, kinds in FUNNEL:
        if kinds:
            reached[step] = reached.get(step, set()) | (_visits_with(db, site, kinds) & visits)
    counts: dict[str, int] = {}
    later: set[int] = set()
    for step, _kinds in reversed(FUNNEL):
        later |= reached.get(step, set())
        counts[step] = len(later)
    return {step: counts[step] for step, _ in FUNNEL}


DEFINITIONS = {
    "conversations": ("count", "conversations with at least one visitor message"),
    "first_response_median_s": ("seconds", "first visitor message to first human reply; "
                                "bot replies excluded"),
    "first_response_mean_s": ("seconds", "mean of the same"),
    "resolution_median_s": ("seconds", "conversation opened to resolved"),
    "resolution_mean_s": ("seconds", "mean of the same"),
    "bot_containment_rate": ("ratio", "conversations no person had to touch / all"),
    "csat_score": ("ratio", "ratings of 4-5 / all ratings (1-5 scale)"),
    "csat_responses": ("count", "survey answers"),
    "surveys_sent": ("count", "after-visit surveys sent"),
    "survey_response_rate": ("ratio", "survey answers / surveys sent"),
}


def to_csv(figures: Figures) -> str:
    """``metric,value,unit,definition`` rows, then one row per funnel step."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["metric", "value", "unit", "definition"])
    values = figures.model_dump()
    for name, (unit, definition) in DEFINITIONS.items():
        value = values[name]
        w.writerow([name, "" if value is None else value, unit, definition])
    for step, count in figures.funnel.items():
        w.writerow([f"funnel_{step}", count, "visits", "visits that reached this step"])
    return buf.getvalue()
