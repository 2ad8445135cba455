"""Input and output shapes of the meetings API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from officegate.server.http.openapi import NAME_RULE

Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class RoomIn(BaseModel):
    """A room behind an existing door device."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, json_schema_extra=NAME_RULE)
    label: str = Field(default="", max_length=200)
    door: str = Field(min_length=1, max_length=64)
    sensor: str | None = Field(default=None, max_length=64)
    capacity: int = Field(default=8, ge=1, le=1000)
    via_zones: list[str] = Field(default_factory=list, max_length=20)


class RoomOut(BaseModel):
    """A room as the API shows it."""

    name: str
    label: str
    door: str
    sensor: str | None
    capacity: int
    via_zones: list[str]


class VisitorIn(BaseModel):
    """A visitor invited to a meeting."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None


class MeetingIn(BaseModel):
    """Book a room: the signed-in user hosts; employees by email, visitors by name."""

    model_config = ConfigDict(extra="forbid")
    room: str = Field(min_length=1, max_length=200)
    title: str = Field(default="Meeting", max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    employees: list[Email] = Field(default_factory=list, max_length=100)
    visitors: list[VisitorIn] = Field(default_factory=list, max_length=100)


class MeetingMoveIn(BaseModel):
    """Move or extend a meeting."""

    model_config = ConfigDict(extra="forbid")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class AttendeeOut(BaseModel):
    """A person invited, and when they entered (if they did)."""

    kind: str
    name: str
    email: str | None
    visit_id: int | None
    entered_at: datetime | None = None
    inside: bool = False


class MeetingOut(BaseModel):
    """A meeting with what really happened so far."""

    id: int
    room: str
    title: str
    host_email: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False  # a whole-day booking: local midnight to midnight
    status: str
    source: str
    state: str
    actual_start: datetime | None
    actual_end: datetime | None
    late_start_minutes: float | None
    overrun_minutes: float | None
    inside_count: int
    attendees: list[AttendeeOut]


class MeetingCreatedOut(MeetingOut):
    """A new meeting and its visitors' pass links (shown only this once)."""

    pass_urls: dict[str, str]


class ImportOut(BaseModel):
    """What an iCalendar import did."""

    created: int
    updated: int
    cancelled: int
    unchanged: int
    stale: int
    skipped_all_day: int = Field(0, description="Always 0: all-day events are booked too.")
    attendees_added: int = 0
    attendees_removed: int = 0
    meeting_ids: list[int]
    pass_urls: dict[str, str]


class FeedIn(BaseModel):
    """Subscribe a room to a calendar URL."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000)
    room: str = Field(min_length=1, max_length=200)


class FeedOut(BaseModel):
    """A subscribed calendar."""

    id: int
    url: str
    room: str
    last_read_at: datetime | None
    last_error: str | None


class EmployeePassOut(BaseModel):
    """An employee's own pass for a meeting, for their phone's pass page."""

    cose_b45: str
    code_secret: str
    code_period: int
    valid_until: datetime
