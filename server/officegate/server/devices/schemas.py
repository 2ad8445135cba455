"""Device API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from officegate.server.http.openapi import NAME_RULE

Spans = list[list[str]]

DeviceKind = Literal["gate", "door", "vending"]
DeviceMode = Literal["normal", "locked", "unlocked"]


class DeviceIn(BaseModel):
    """A new device."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="Topic-safe id, e.g. gate-1",
                      json_schema_extra=NAME_RULE)
    kind: DeviceKind
    zone: str = Field(min_length=1, max_length=64, json_schema_extra=NAME_RULE)
    allow_static: bool = False
    relay_pulse_ms: int = Field(default=800, ge=50, le=30_000)


class DeviceModeIn(BaseModel):
    """A change of a device's operating mode."""

    model_config = ConfigDict(extra="forbid")

    mode: DeviceMode


class DeviceOut(BaseModel):
    """A device as the API shows it."""

    name: str
    kind: str
    site: str
    zone: str
    mode: str
    allow_static: bool
    config_version: int
    status: str
    last_seen_at: datetime | None
    timezone: str = "UTC"
    opening_hours: dict[str, Spans] | None = None
    holidays: dict[str, Spans] = Field(default_factory=dict)
    fail_mode: Literal["secure", "safe"] = "secure"
    side: Literal["entry", "exit"] | None = None
    anti_passback_group: str | None = None


class DoorRulesIn(BaseModel):
    """A change of a door's rules; only the fields sent change.

    ``opening_hours``: weekday ("mon".."sun") -> [["HH:MM", "HH:MM"], ...] in the site's
    ``timezone`` (null = no schedule; a missing weekday = closed). ``holidays``: date
    ("YYYY-MM-DD") -> spans ([] = closed all day). ``fail_mode``: what the lock does on
    power loss ("secure" stays locked, "safe" unlocks; set by the wiring, recorded here).
    ``side`` and ``anti_passback_group``: anti-passback between entry and exit gates.
    """

    model_config = ConfigDict(extra="forbid")

    timezone: str | None = Field(default=None, max_length=64)
    opening_hours: dict[str, Spans] | None = None
    holidays: dict[str, Spans] | None = None
    fail_mode: Literal["secure", "safe"] | None = None
    side: Literal["entry", "exit"] | None = None
    anti_passback_group: str | None = Field(default=None, max_length=64)
