"""Invitation API shapes: one or many visitors, with or without a room booking."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from officegate.server.http.openapi import TEXT_RULE

EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]+$"
PHONE = r"^\+?[0-9][0-9 ()-]{3,38}$"
Lang = Literal["ja", "en", "zh_CN"]


class GuestIn(BaseModel):
    """One visitor: name and e-mail (where the pass link goes), optional phone, company."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, json_schema_extra=TEXT_RULE)
    email: str = Field(max_length=254, pattern=EMAIL)
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE)
    company: str | None = Field(default=None, max_length=200)
    lang: Lang | None = None


class InvitationsIn(BaseModel):
    """The invite page's form: visitors, when, and either a room booking or zones."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    visitors: list[GuestIn] = Field(min_length=1, max_length=100)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    room: str | None = Field(default=None, max_length=200,
                             description="Book this room; the pass opens its door")
    title: str = Field(default="", max_length=300)
    zones: list[str] = Field(default_factory=list, max_length=32)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _window(self) -> InvitationsIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days >= 14:
            raise ValueError("a visit may last at most 14 days")
        if not self.room and not self.zones:
            raise ValueError("book a room or choose at least one zone")
        return self


class InvitedOut(BaseModel):
    """One visitor's outcome: invited (link sent) or held for approval (no link yet)."""

    visit_id: int
    name: str
    status: Literal["invited", "held"]
    pass_url: str | None


class InvitationsOut(BaseModel):
    """What an invitation did."""

    invited: list[InvitedOut]
    meeting_id: int | None = None


class CsvRowError(BaseModel):
    """A CSV line that could not be read, and why."""

    line: int
    field: str
    message: str


class CsvOut(BaseModel):
    """The visitors a CSV holds, and the lines that were wrong."""

    visitors: list[GuestIn]
    errors: list[CsvRowError]
