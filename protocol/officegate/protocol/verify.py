"""Offline verification of scanned pass text at a door: one Decision, never an exception.

Checks run in the contract's order: malformed -> unknown key -> bad signature -> not yet
valid -> expired -> revoked -> wrong door -> stale/missing code (or static refused) ->
replayed -> accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from officegate.protocol.claims import PassClaims
from officegate.protocol.cose import decode_sign1, loads_exact, verify_sign1
from officegate.protocol.decision import Decision, Reason
from officegate.protocol.errors import MalformedPass
from officegate.protocol.keys import KeySet, TrustedKey
from officegate.protocol.replay import ReplayGuard
from officegate.protocol.rotating import matching_counter, pass_secret
from officegate.protocol.text import ScannedCode, parse_text

log = logging.getLogger(__name__)

STATIC_REFUSED = "static pass refused at this door"
MISSING_CODE = "missing rotating code"


@dataclass(frozen=True, slots=True)
class DoorPolicy:
    """What a door accepts: its device name and zone, and how it treats codes."""

    device: str
    zone: str
    allow_static: bool = False
    code_period: int = 10
    code_tolerance: int = 1  # steps either side accepted for clock skew

    def __post_init__(self) -> None:
        if self.code_period < 1 or not 0 <= self.code_tolerance <= 10:
            raise ValueError("code_period must be >= 1 s and code_tolerance 0 to 10 steps")


def verify(text: str, *, keys: KeySet, revoked: Collection[bytes], door: DoorPolicy,
           now: float, replay: ReplayGuard | None = None) -> Decision:
    """Decide on scanned QR text at ``door`` at time ``now`` (epoch seconds).

    ``revoked`` holds revoked pass ids (8-byte cti values). With ``replay`` the decision also
    covers replays; an accepted Decision with ``holding=True`` means "already let through".
    Any input, however hostile, yields a Decision; MALFORMED details say what was wrong, and
    every denial's ``detail_code`` names the check that refused (see docs/contracts.md).
    """
    try:
        return _verify(text, keys, revoked, door, now, replay)
    except MalformedPass as exc:
        return Decision(Reason.MALFORMED, detail=str(exc), detail_code=exc.code)
    except Exception as exc:  # a gate must answer, whatever a decoder library throws
        log.warning("unexpected %s while verifying a pass", type(exc).__name__)
        return Decision(Reason.MALFORMED, detail=f"undecodable pass ({type(exc).__name__})",
                        detail_code="undecodable")


def _verify(text: str, keys: KeySet, revoked: Collection[bytes], door: DoorPolicy,
            now: float, replay: ReplayGuard | None) -> Decision:
    scanned = parse_text(text)
    message = decode_sign1(scanned.cose)

    claims = PassClaims.from_cbor_map(loads_exact(message.payload, "claims"))
    kid = message.kid

    def deny(reason: Reason, code: str, detail: str) -> Decision:
        return Decision(reason, claims=claims, detail=detail, kid=kid, detail_code=code)

    def unauthenticated(reason: Reason, code: str, detail: str) -> Decision:
        # Claims nobody we trust signed must not name a visit in the access log.
        return Decision(reason, detail=detail, kid=kid, detail_code=code)

    if message.alg is None:
        return unauthenticated(Reason.MALFORMED, "cose.alg",
                               "COSE header has no supported alg (-8 or -7)")
    if kid is None:
        return unauthenticated(Reason.UNKNOWN_KEY, "key.no_kid", "COSE header names no kid")
    key = keys.get(kid)
    if key is None:
        return unauthenticated(Reason.UNKNOWN_KEY, "key.unknown",
                               f"no trusted key with kid {kid.hex()[:32]}")
    out_of_service = key.in_service(now)
    if out_of_service:
        return unauthenticated(Reason.UNKNOWN_KEY, "key.out_of_service", out_of_service)
    if message.alg != key.alg:
        return unauthenticated(Reason.BAD_SIGNATURE, "signature.alg",
                               f"alg {message.alg} does not match key ({key.alg})")
    if not verify_sign1(message, key):
        return unauthenticated(Reason.BAD_SIGNATURE, "signature.invalid",
                               "signature does not verify")
    if now < claims.not_before:
        return deny(Reason.NOT_YET_VALID, "time.not_yet_valid", f"valid from {claims.not_before}")
    if now >= claims.expires:
        return deny(Reason.EXPIRED, "time.expired", f"expired at {claims.expires}")
    if claims.pass_id in revoked:
        return deny(Reason.REVOKED, "pass.revoked", f"pass {claims.pass_id_hex} is revoked")
    if door.device not in claims.doors and door.zone not in claims.zones:
        return deny(Reason.WRONG_DOOR, "door.not_listed",
                    f"pass not valid at {door.device} (zone {door.zone})")
    counter, refusal = _check_code(scanned, claims, key, door, now)
    if refusal is not None:
        return deny(Reason.STALE_CODE, *refusal)
    holding = False
    if replay is not None:
        sighting = replay.check(claims.pass_id, counter, door.device, now)
        if sighting == "replayed":
            return Decision(Reason.REPLAYED, claims=claims, counter=counter, kid=kid,
                            detail="code already used", detail_code="replay.code_used")
        holding = sighting == "holding"
    return Decision(Reason.ACCEPTED, claims=claims, counter=counter, kid=kid,
                    detail="same pass still in front of the camera" if holding else "",
                    holding=holding)


def _check_code(scanned: ScannedCode, claims: PassClaims, key: TrustedKey, door: DoorPolicy,
                now: float) -> tuple[int | None, tuple[str, str] | None]:
    """(matched counter or None for a welcome printed pass, None) or (None, (code, why))."""
    if claims.static:
        # A printed pass has no code to check; whether it is welcome is the door's choice.
        return None, (None if door.allow_static else ("code.static_refused", STATIC_REFUSED))
    if scanned.code is None:
        return None, ("code.missing", MISSING_CODE)
    if not key.code_key:
        return None, ("code.no_code_key", f"no code key for kid {key.kid.hex()}")
    secret = pass_secret(key.code_key, claims.pass_id)
    counter = matching_counter(secret, scanned.code, now, period=door.code_period,
                               tolerance=door.code_tolerance)
    if counter is None:
        return None, ("code.stale", "rotating code outside the accepted time window")
    return counter, None
