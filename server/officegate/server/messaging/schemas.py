"""Input and output models of the messaging API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from officegate.server.db import RowId


class ChatIn(BaseModel):
    """A visitor's chat message."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


class CsatIn(BaseModel):
    """A survey answer: 1 (bad) to 5 (great), optional comment."""

    model_config = ConfigDict(extra="forbid")
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class OptOutIn(BaseModel):
    """Stop (or restart) proactive notices."""

    model_config = ConfigDict(extra="forbid")
    opt_out: bool = True


class LanguageIn(BaseModel):
    """The language the visitor switched the pass page to."""

    model_config = ConfigDict(extra="forbid")
    lang: Literal["ja", "en"]


class MessageOut(BaseModel):
    """One timeline entry."""

    id: int
    conversation_id: int | None
    kind: str
    sender: str
    channel: str | None
    body: str
    event_kind: str | None
    delivery: str | None
    at: datetime
    data: dict[str, Any]


class ChatOut(BaseModel):
    """The visitor's side of the timeline and their settings."""

    lang: str
    notice_lang: str  # the language proactive notices use (pass page choice first)
    link_code: str
    opted_out: bool
    survey_pending: bool
    messages: list[MessageOut]


class TurnOut(BaseModel):
    """What a chat message produced."""

    message: MessageOut | None
    replies: list[MessageOut]
    duplicate: bool = False


class ReplyIn(BaseModel):
    """A host's or staff member's reply, or a private note."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    private: bool = False


class AssignIn(BaseModel):
    """Give a conversation to a user, or to nobody (null)."""

    model_config = ConfigDict(extra="forbid")
    user_id: RowId | None


class StatusIn(BaseModel):
    """Resolve, reopen, hand back to the bot (pending) or snooze for some minutes."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern="^(open|pending|resolved|snoozed)$")
    snooze_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)


class MergeIn(BaseModel):
    """Merge another contact into this one."""

    model_config = ConfigDict(extra="forbid")
    other_contact_id: RowId


class ConversationOut(BaseModel):
    """A conversation in the inbox list."""

    id: int
    contact_id: int
    contact_name: str
    visit_id: int | None
    channel: str
    status: str
    queue: str | None
    assignee_id: int | None
    last_activity_at: datetime
    last_message: str


class ConversationDetailOut(ConversationOut):
    """A conversation with its contact's whole timeline."""

    identities: list[dict[str, str]]
    timeline: list[MessageOut]
