"""Vending API shapes (input and output kept apart)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from officegate.server.http.openapi import HHMM_RULE, TIME_ZONE


class MenuItemOut(BaseModel):
    """A drink a machine can serve now."""

    slot: int
    product: str
    name_en: str
    name_ja: str
    left: int


class MachineMenuOut(BaseModel):
    """A machine on the visitor's way and its menu."""

    machine: str
    label_en: str
    label_ja: str
    menu: list[MenuItemOut]


class OrderOut(BaseModel):
    """The visitor's newest order and what to tell them about it."""

    order_id: str
    machine: str
    label_en: str
    label_ja: str
    product: str
    name_en: str
    name_ja: str
    status: str
    reason: str
    expires_at: datetime
    message_en: str
    message_ja: str


class DrinkStatusOut(BaseModel):
    """What the pass page shows about the free drink."""

    offered: bool
    message_en: str
    message_ja: str
    machines: list[MachineMenuOut]
    order: OrderOut | None
    quota_left: int
    drinks_per_visit: int


class OrderIn(BaseModel):
    """The visitor's choice on the pass page."""

    model_config = ConfigDict(extra="forbid")

    machine: str = Field(min_length=1, max_length=64)
    slot: int = Field(ge=0, le=31)


class MachineIn(BaseModel):
    """Make a registered vending device a machine of the drink service."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    device: str = Field(min_length=1, max_length=64)
    route_zone: str | None = Field(default=None, max_length=64,
                                   description="Offer after gates of this zone (default: the "
                                   "machine's own zone)")
    label_en: str = Field(default="vending machine", min_length=1, max_length=120)
    label_ja: str = Field(default="自動販売機", min_length=1, max_length=120)


class SlotOut(BaseModel):
    """One slot as last reported by the machine."""

    slot: int
    product: str
    name_en: str
    name_ja: str
    count: int


class MachineOut(BaseModel):
    """A machine with its status and stock."""

    machine: str
    route_zone: str
    label_en: str
    label_ja: str
    status: str
    slots: list[SlotOut]


class PolicyIn(BaseModel):
    """The site's drink policy."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [  # both or neither
        {"properties": {"quiet_from": {"type": "null"}, "quiet_until": {"type": "null"}}},
        {"required": ["quiet_from", "quiet_until"],
         "properties": {"quiet_from": {"type": "string"}, "quiet_until": {"type": "string"}}}]})

    drinks_per_visit: int = Field(default=1, ge=0, le=10)
    quiet_from: str | None = Field(default=None, max_length=5, description="HH:MM local",
                                   json_schema_extra=HHMM_RULE)
    quiet_until: str | None = Field(default=None, max_length=5, description="HH:MM local",
                                    json_schema_extra=HHMM_RULE)
    timezone: str | None = Field(default=None, max_length=64,
                                 description="IANA zone of the quiet hours; empty: the site's",
                                 json_schema_extra={"format": TIME_ZONE["format"]})
    order_minutes: int = Field(default=30, ge=1, le=24 * 60)


class PolicyOut(PolicyIn):
    """The policy in force."""


class FiguresOut(BaseModel):
    """Offer -> order -> served conversion, by visits."""

    offered: int
    ordered: int
    served: int
    failed: int
