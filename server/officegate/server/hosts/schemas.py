"""What the host pages read: a visit row in a list, and one visit with its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The live states of a visit, in journey order (hosts.views.state_of decides).
STATES = ("invited", "pass_opened", "approaching", "arrived", "checked_in", "met", "left",
          "held", "refused", "no_show", "cancelled", "revoked")


class VisitRow(BaseModel):
    """One visit as the "my visits" list shows it."""

    visit_id: int
    visitor_name: str
    company: str | None
    email: str | None
    host_name: str
    starts_at: datetime
    ends_at: datetime
    room: str | None
    state: str
    source: str


class TimelineItem(BaseModel):
    """One line of a visit's history: a journey step, a message, an access event, a drink."""

    at: datetime
    kind: str  # "activity" | "incoming" | "outgoing" | "note" | "access" | "drink"
    text: str
    detail: dict[str, Any] = Field(default_factory=dict)


class VisitDetail(VisitRow):
    """One visit, joined from every domain that knows something about it."""

    phone: str | None
    lang: str | None
    note: str | None
    pass_id: str | None
    pass_bound: bool
    pass_revoked: bool
    held_reason: str | None
    checked_in_at: datetime | None
    arrived_at: datetime | None
    met_at: datetime | None
    meetings: list[dict[str, Any]]
    timeline: list[TimelineItem]
    conversation_id: int | None


class ConfirmIn(BaseModel):
    """Re-binding a pass to a new phone: the host confirms they checked who asks."""

    model_config = ConfigDict(extra="forbid")
    confirmed: bool = Field(description="I confirmed the visitor's identity")


class ResentOut(BaseModel):
    """The fresh link (the old one stops working), also sent to the visitor."""

    visit_id: int
    pass_url: str
