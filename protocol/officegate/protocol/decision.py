"""The outcome of checking a pass at a door: one reason from a fixed set."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from officegate.protocol.claims import PassClaims


class Reason(StrEnum):
    """Why a pass was accepted or denied. The values travel in events and logs."""

    ACCEPTED = "accepted"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    WRONG_DOOR = "wrong_door"
    STALE_CODE = "stale_code"
    REPLAYED = "replayed"


@dataclass(frozen=True, slots=True)
class Decision:
    """A verification result.

    ``claims`` is set once the claims were decoded (even for most denials, so the event can
    name the visit); ``counter`` is the TOTP step the rotating code matched; ``kid`` is the
    signing key's id when the COSE header named one. ``holding`` is True when this is the
    same pass still in front of the camera at the same device: it was already accepted, so
    the edge must neither unlock nor report again. ``detail_code`` names the check that
    decided (``signature.invalid``, ``cose.trailing``, ``code.stale``, ...; empty when
    accepted): unlike ``detail``, which is for people, it is stable.
    """

    reason: Reason
    claims: PassClaims | None = None
    detail: str = ""
    counter: int | None = None
    kid: bytes | None = None
    holding: bool = False
    detail_code: str = ""

    @property
    def accepted(self) -> bool:
        """True only for an accepted pass."""
        return self.reason is Reason.ACCEPTED
