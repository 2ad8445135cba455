"""Rotating code: RFC 6238 TOTP (HMAC-SHA256, 8 digits) over a per-pass secret.

The phone shows a new code every period, so a screenshot or a forwarded photo stops working
within seconds. The edge knows the code key of every signing key, derives the same per-pass
secret and checks the code offline, a few steps either side for clock skew.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.twofactor.hotp import HOTP
from cryptography.hazmat.primitives.twofactor.totp import TOTP

CODE_DIGITS = 8
DEFAULT_PERIOD = 10


def pass_secret(code_key: bytes, pass_id: bytes) -> bytes:
    """Per-pass TOTP secret: HMAC-SHA256(code_key, pass_id), 32 bytes."""
    return hmac.new(code_key, pass_id, hashlib.sha256).digest()


def rotating_code(secret: bytes, at: float, period: int = DEFAULT_PERIOD) -> str:
    """The 8-digit code shown at time ``at`` (epoch seconds)."""
    totp = TOTP(secret, CODE_DIGITS, hashes.SHA256(), period)
    return totp.generate(at).decode("ascii")


def code_counter(at: float, period: int = DEFAULT_PERIOD) -> int:
    """The TOTP time step (RFC 6238 T) for ``at``, computed exactly as cryptography's TOTP."""
    return int(at / period)


def code_for_counter(secret: bytes, counter: int) -> str:
    """The 8-digit code of one time step (RFC 4226 HOTP with HMAC-SHA256)."""
    return HOTP(secret, CODE_DIGITS, hashes.SHA256()).generate(counter).decode("ascii")


def matching_counter(secret: bytes, code: str, at: float, *, period: int = DEFAULT_PERIOD,
                     tolerance: int = 1) -> int | None:
    """The time step whose code equals ``code``, within ``tolerance`` steps of ``at``.

    Returns None when no step in the window matches (a stale screenshot, a wrong secret).
    Every candidate is compared in constant time.
    """
    now_step = code_counter(at, period)
    found: int | None = None
    for step in range(now_step - tolerance, now_step + tolerance + 1):
        if step < 0:
            continue
        if hmac.compare_digest(code_for_counter(secret, step), code):
            found = step
    return found
