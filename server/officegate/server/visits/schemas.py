"""Visit and pass API shapes (input and output kept apart)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from officegate.server.http.openapi import TEXT_RULE

NameList = list[str]


class VisitIn(BaseModel):
    """A host's invitation: who comes, when, and where the pass may open."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visitor_name: str = Field(min_length=1, max_length=200, json_schema_extra=TEXT_RULE)
    visitor_email: str | None = Field(default=None, max_length=254,
                                      pattern=r"^[^@\s]{1,64}@[^@\s]{1,189}$")
    host: str | None = Field(default=None, max_length=254,
                             description="Host's e-mail; default: the signed-in user")
    site: str | None = Field(default=None, max_length=64, description="Default: this server's")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    zones: NameList = Field(default_factory=list, max_length=32)
    doors: NameList = Field(default_factory=list, max_length=32)
    room: str | None = Field(default=None, max_length=200)
    directions: str | None = Field(default=None, max_length=2000)
    visitor_phone: str | None = Field(default=None, max_length=40,
                                      pattern=r"^\+?[0-9][0-9 ()-]{3,38}$")
    visitor_company: str | None = Field(default=None, max_length=200)
    visitor_lang: Literal["ja", "en", "zh_CN"] | None = None
    note: str | None = Field(default=None, max_length=2000,
                             description="A note to the visitor, sent with the invitation")

    @model_validator(mode="after")
    def _window_and_places(self) -> VisitIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.ends_at - self.starts_at).days >= 14:
            raise ValueError("a visit may last at most 14 days")
        if not self.zones and not self.doors:
            raise ValueError("give at least one zone or door the pass may open")
        return self


class VisitCreatedOut(BaseModel):
    """The answer to an invitation: the link sent to the visitor (None while the visit is
    held for approval: a deny/watch-list match gets no link until someone approves)."""

    visit_id: int
    pass_id: str
    pass_url: str | None
    status: Literal["invited", "held"] = "invited"
    valid_from: datetime
    valid_until: datetime


class PassOpenIn(BaseModel):
    """The pass page's first call: the random id the phone generated for itself."""

    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class PassOpenOut(BaseModel):
    """Everything the pass page needs to show the rotating QR offline."""

    pass_id: str
    pass_text_static: str
    cose_b45: str
    code_secret: str
    code_period: int = 10
    code_digits: int = 8
    prefix: str = "OG1R"
    visitor_name: str
    host_name: str
    site_name: str
    starts_at: datetime
    ends_at: datetime
    room: str | None
    directions: str | None
    valid_from: datetime
    valid_until: datetime
    # Where the pass opens (the page tells the visitor where to hold the QR): no zone and no
    # door before check-in at a site that gives the gate zone only at the lobby poster.
    zones: list[str] = []
    doors: list[str] = []


class LastAccessOut(BaseModel):
    """The newest access event of a pass."""

    at: datetime
    device: str
    reason: str
    accepted: bool


class PassStatusOut(BaseModel):
    """The pass page's cheap poll."""

    revoked: bool
    expired: bool
    checked_in: bool
    checked_in_at: datetime | None
    last_access: LastAccessOut | None


class PassRevokedOut(BaseModel):
    """The answer to a revocation."""

    pass_id: str
    revoked_at: datetime
    revocations_version: int


class PrintedPassOut(BaseModel):
    """A printed (static) pass issued by staff."""

    pass_id: str
    visit_id: int
    image_url: str
    valid_from: datetime
    valid_until: datetime


class PassReboundOut(BaseModel):
    """A pass released from its phone: the next phone that opens the link gets it."""

    pass_id: str
    was_bound: bool
