"""Signing key API shapes (never any secret)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SigningKeyOut(BaseModel):
    """A signing key's public facts."""

    kid: str
    alg: str
    created_at: datetime
    rotated_at: datetime | None
    retired_at: datetime | None
    current: bool


class RotatedOut(BaseModel):
    """The answer to a rotation."""

    kid: str
    alg: str
    keyset_version: int
