"""Access log API shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from officegate.protocol.decision import Reason


class AccessFilter(BaseModel):
    """Filters of the access log (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    device: str | None = Field(default=None, max_length=64)
    reason: Reason | None = None
    date: dt.date | None = Field(default=None, description="UTC day, YYYY-MM-DD")
    limit: int = Field(default=200, ge=1, le=1000)

    @field_validator("device", "reason", "date", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # The page's filter form sends "" for "all".
        return None if value == "" else value


class AccessEventOut(BaseModel):
    """One row of the access log."""

    id: str
    at: dt.datetime
    device: str
    reason: str
    reason_en: str
    reason_ja: str
    accepted: bool
    visit_id: int | None
    visitor_name: str | None
    pass_id: str | None
    detail: str
    latency_ms: float | None
