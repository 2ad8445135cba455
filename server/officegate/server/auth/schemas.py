"""Sign-in and user API shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenIn(BaseModel):
    """Credentials exchanged for an API bearer token."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    """A bearer token for ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class UserOut(BaseModel):
    """A user as the API shows it (never the password hash)."""

    id: int
    email: str
    name: str
    role: str
