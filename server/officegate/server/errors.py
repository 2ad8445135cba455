"""Service errors with a code and a message in English and Japanese.

Services raise these; the app turns them into ``{"detail": {"code", "message_en",
"message_ja"}}`` with the matching HTTP status, so routes stay thin.
"""

from __future__ import annotations


class OfficeGateError(Exception):
    """A refusal the user should read, in both languages."""

    status_code = 400

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja

    def detail(self) -> dict[str, str]:
        """The JSON ``detail`` object of the error response."""
        return {"code": self.code, "message_en": self.message_en, "message_ja": self.message_ja}


class InvalidInput(OfficeGateError):
    """The request is well-formed JSON but makes no sense (422)."""

    status_code = 422


class NotAuthenticated(OfficeGateError):
    """No or wrong credentials (401)."""

    status_code = 401


class Forbidden(OfficeGateError):
    """Signed in, but this role may not do that (403)."""

    status_code = 403


class NotFound(OfficeGateError):
    """No such thing (404)."""

    status_code = 404


class Conflict(OfficeGateError):
    """Clashes with what exists (409)."""

    status_code = 409


class Gone(OfficeGateError):
    """Existed, but is no longer usable: revoked or expired (410)."""

    status_code = 410
