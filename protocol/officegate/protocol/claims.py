"""CWT claims (RFC 8392) of a pass, and their strict CBOR map form.

Standard claims use RFC 8392's integer keys; OfficeGate's private claims use one-letter text
keys so the pass stays small enough for a low QR version. Claims we do not know are ignored,
as CWT/JWT processing rules ask; claims we know must have exactly the documented type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from officegate.protocol.errors import MalformedPass

# RFC 8392 section 4 claim keys.
ISS, SUB, AUD, EXP, NBF, IAT, CTI = 1, 2, 3, 4, 5, 6, 7
# OfficeGate private claims (docs/contracts.md).
KIND, VISIT, ZONES, DOORS, STATIC, ENTITLEMENTS = "k", "v", "z", "d", "s", "e"

PASS_ID_BYTES = 8
# NumericDate bounds: keep arithmetic and comparisons sane for hostile input.
MAX_NUMERIC_DATE = 2**53
MAX_TEXT = 256
MAX_ITEMS = 64


class PassKind(StrEnum):
    """Who the pass is for."""

    VISITOR = "v"
    EMPLOYEE = "e"


@dataclass(frozen=True, slots=True)
class CwtClaims:
    """The RFC 8392 registered claims, as read from any CWT (not only ours)."""

    issuer: str | None = None
    subject: str | None = None
    audience: str | None = None
    expires: int | None = None
    not_before: int | None = None
    issued_at: int | None = None
    cti: bytes | None = None

    @classmethod
    def from_cbor_map(cls, claims: object) -> CwtClaims:
        """Read registered claims from a decoded CBOR map; raise MalformedPass on bad types."""
        m = _as_map(claims)
        return cls(
            issuer=_opt(m, ISS, _text, "iss"),
            subject=_opt(m, SUB, _text, "sub"),
            audience=_opt(m, AUD, _text, "aud"),
            expires=_opt(m, EXP, _date, "exp"),
            not_before=_opt(m, NBF, _date, "nbf"),
            issued_at=_opt(m, IAT, _date, "iat"),
            cti=_opt(m, CTI, _bytes, "cti"),
        )


@dataclass(frozen=True, slots=True)
class PassClaims:
    """What a pass says: who, when, where. Construction validates every field."""

    issuer: str
    subject: str
    pass_id: bytes
    issued_at: int
    not_before: int
    expires: int
    kind: PassKind
    visit_id: int | None
    zones: tuple[str, ...]
    doors: tuple[str, ...]
    static: bool = False
    entitlements: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _text(self.issuer, "iss")
        _text(self.subject, "sub")
        if not isinstance(self.pass_id, bytes) or len(self.pass_id) != PASS_ID_BYTES:
            raise MalformedPass(f"cti (pass id) must be {PASS_ID_BYTES} bytes", "claim.cti.size")
        for name, value in (("iat", self.issued_at), ("nbf", self.not_before),
                            ("exp", self.expires)):
            _date(value, name)
        if not isinstance(self.kind, PassKind):
            raise MalformedPass("pass kind must be a PassKind", "claim.k.type")
        if self.kind is PassKind.VISITOR and self.visit_id is None:
            raise MalformedPass("a visitor pass needs a visit id (claim 'v')", "claim.v.missing")
        if self.kind is PassKind.EMPLOYEE and self.visit_id is not None:
            raise MalformedPass("an employee pass has no visit id (claim 'v')", "claim.v.employee")
        if self.visit_id is not None:
            _date(self.visit_id, "v")
        # Accept lists from callers but keep tuples, so claims stay hashable and compare equal
        # to decoded ones.
        for name, key in (("zones", "z"), ("doors", "d"), ("entitlements", "e")):
            object.__setattr__(self, name, _texts(getattr(self, name), key))
        if not isinstance(self.static, bool):
            raise MalformedPass("claim 's' must be a boolean", "claim.s.bool")

    @property
    def pass_id_hex(self) -> str:
        """The pass id as lowercase hex, as used in events and revocation lists."""
        return self.pass_id.hex()

    def to_cbor_map(self) -> dict[int | str, Any]:
        """The CWT claims map that goes in the COSE payload."""
        m: dict[int | str, Any] = {
            ISS: self.issuer,
            SUB: self.subject,
            EXP: self.expires,
            NBF: self.not_before,
            IAT: self.issued_at,
            CTI: self.pass_id,
            KIND: self.kind.value,
        }
        if self.visit_id is not None:
            m[VISIT] = self.visit_id
        m[ZONES] = list(self.zones)
        m[DOORS] = list(self.doors)
        if self.static:
            m[STATIC] = True
        if self.entitlements:
            m[ENTITLEMENTS] = list(self.entitlements)
        return m

    @classmethod
    def from_cbor_map(cls, claims: object) -> PassClaims:
        """Strictly read a decoded CBOR claims map; raise MalformedPass saying what is wrong."""
        m = _as_map(claims)
        std = CwtClaims.from_cbor_map(m)
        kind_text = _req(m, KIND, _text, "k")
        try:
            kind = PassKind(kind_text)
        except ValueError:
            raise MalformedPass(f"unknown pass kind {kind_text[:16]!r}",
                                "claim.k.unknown") from None
        static = _opt(m, STATIC, _bool, "s")
        if static is False:
            raise MalformedPass("claim 's' is present only as true", "claim.s.false")
        return cls(
            issuer=_need(std.issuer, "iss"),
            subject=_need(std.subject, "sub"),
            pass_id=_need(std.cti, "cti"),
            issued_at=_need(std.issued_at, "iat"),
            not_before=_need(std.not_before, "nbf"),
            expires=_need(std.expires, "exp"),
            kind=kind,
            visit_id=_opt(m, VISIT, _date, "v"),
            zones=_req(m, ZONES, _texts, "z"),
            doors=_req(m, DOORS, _texts, "d"),
            static=bool(static),
            entitlements=_opt(m, ENTITLEMENTS, _texts, "e") or (),
        )


def _as_map(claims: object) -> Mapping[Any, Any]:
    if not isinstance(claims, Mapping):
        raise MalformedPass(f"claims must be a CBOR map, not {type(claims).__name__}",
                            "claims.map")
    return claims


def _opt(m: Mapping[Any, Any], key: int | str, check: Any, name: str) -> Any:
    if key not in m:
        return None
    return check(m[key], name)


def _req(m: Mapping[Any, Any], key: int | str, check: Any, name: str) -> Any:
    if key not in m:
        raise MalformedPass(f"claim {name!r} is missing", f"claim.{name}.missing")
    return check(m[key], name)


def _need(value: Any, name: str) -> Any:
    if value is None:
        raise MalformedPass(f"claim {name!r} is missing", f"claim.{name}.missing")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise MalformedPass(f"claim {name!r} must be non-empty text of at most {MAX_TEXT} chars",
                            f"claim.{name}.text")
    return value


def _texts(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_ITEMS:
        raise MalformedPass(f"claim {name!r} must be an array of at most {MAX_ITEMS} texts",
                            f"claim.{name}.array")
    return tuple(_text(item, name) for item in value)


def _date(value: object, name: str) -> int:
    # bool is an int subclass in Python; CBOR true is not a NumericDate.
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedPass(f"claim {name!r} must be an integer", f"claim.{name}.type")
    if not 0 <= value < MAX_NUMERIC_DATE:
        raise MalformedPass(f"claim {name!r} is out of range", f"claim.{name}.range")
    return value


def _bytes(value: object, name: str) -> bytes:
    if not isinstance(value, bytes) or not value or len(value) > 64:
        raise MalformedPass(f"claim {name!r} must be a byte string of 1 to 64 bytes",
                            f"claim.{name}.bytes")
    return value


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedPass(f"claim {name!r} must be a boolean", f"claim.{name}.bool")
    return value
