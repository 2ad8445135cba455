"""Helpers for protocol tests: a fixed clock, the typical visitor pass, the phone's QR text."""

from __future__ import annotations

from typing import Any

from officegate.protocol import (
    PassClaims,
    PassKind,
    SigningKey,
    issue_pass,
    pass_secret,
    rotating_code,
    rotating_text,
)

# A fixed "now" (November 2026) keeps decisions reproducible.
NOW = 1_795_424_400.0
HOURS_12 = 12 * 3600


def visitor_claims(**changes: Any) -> PassClaims:
    """The typical visitor pass of the design: lobby plus gate-1 and room-301, 12 hours."""
    fields: dict[str, Any] = dict(
        issuer="hq",
        subject="v7q2k9x4m1p8z3c6",
        pass_id=bytes.fromhex("0123456789abcdef"),
        issued_at=int(NOW) - 60,
        not_before=int(NOW) - 60,
        expires=int(NOW) - 60 + HOURS_12,
        kind=PassKind.VISITOR,
        visit_id=123456,
        zones=("lobby",),
        doors=("gate-1", "room-301"),
    )
    fields.update(changes)
    return PassClaims(**fields)


def phone_text(claims: PassClaims, key: SigningKey, at: float = NOW) -> str:
    """Exactly what the visitor's phone shows at ``at``: rotating text with the current code."""
    cose = issue_pass(claims, key)
    code = rotating_code(pass_secret(key.code_key, claims.pass_id), at)
    return rotating_text(cose, code)
