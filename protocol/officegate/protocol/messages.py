"""Messages that cross MQTT: frozen dataclasses with strict JSON in and out.

``to_json()`` gives UTF-8 JSON bytes; ``from_json(bytes)`` raises ValueError with a clear
reason for anything that is not exactly the documented shape (unknown fields included).
The KeySet message lives in keys.py.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Literal, get_args

from officegate.protocol import door_schedule
from officegate.protocol.decision import Decision, Reason
from officegate.protocol.verify import DoorPolicy

DeviceKind = Literal["gate", "door", "vending"]
DeviceMode = Literal["normal", "locked", "unlocked"]
FailMode = Literal["secure", "safe"]
GateSide = Literal["entry", "exit"]


def new_event_id() -> str:
    """A unique event id (uuid4 hex); the server deduplicates on it."""
    return uuid.uuid4().hex


def _load(cls: type, data: bytes | str, *, optional: bool = False) -> dict[str, Any]:
    """Parse a JSON object of ``cls``'s fields; with ``optional``, fields that have a default
    may be missing (messages that grew new fields still read what older servers wrote)."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{cls.__name__} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{cls.__name__} must be a JSON object")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(doc) - names)
    if unknown:
        raise ValueError(f"{cls.__name__} has unknown fields: {', '.join(unknown)}")
    required = {f.name for f in fields(cls)
                if not optional or (f.default is MISSING and f.default_factory is MISSING)}
    missing = sorted(required - set(doc))
    if missing:
        raise ValueError(f"{cls.__name__} is missing fields: {', '.join(missing)}")
    return doc


def _check(name: str, value: Any, *types: type) -> Any:
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        raise ValueError(f"field {name!r} must be {want}")
    return value


def _choice(name: str, value: Any, options: tuple[str, ...]) -> Any:
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"field {name!r} must be one of {', '.join(options)}")
    return value


def _dumps(obj: Any) -> bytes:
    return json.dumps(asdict(obj), separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class AccessEvent:
    """One decision at a device, as reported to the server (QoS 1, deduplicated by id)."""

    id: str
    device: str
    site: str
    at: float
    reason: str
    pass_id: str | None
    visit_id: int | None
    subject: str | None
    kid: str | None
    latency_ms: float | None
    detail: str
    kind: str = "access"

    @classmethod
    def from_decision(cls, decision: Decision, *, device: str, site: str, at: float,
                      latency_ms: float | None = None) -> AccessEvent:
        """The event for a Decision, with a fresh id."""
        c = decision.claims
        return cls(
            id=new_event_id(), device=device, site=site, at=at, reason=decision.reason.value,
            pass_id=c.pass_id_hex if c else None, visit_id=c.visit_id if c else None,
            subject=c.subject if c else None,
            kid=decision.kid.hex() if decision.kid else None,
            latency_ms=latency_ms, detail=decision.detail,
        )

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field."""
        return _dumps(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> AccessEvent:
        """Parse an event; ValueError says which field is wrong."""
        d = _load(cls, data)
        if not isinstance(d["id"], str) or not 8 <= len(d["id"]) <= 64:
            raise ValueError("field 'id' must be text of 8 to 64 chars")
        _choice("reason", d["reason"], tuple(r.value for r in Reason))
        # "exit": the exit button (request to exit) opened the door; no pass involved.
        _choice("kind", d["kind"], ("access", "exit"))
        for name in ("device", "site", "detail"):
            _check(name, d[name], str)
        for name in ("pass_id", "subject", "kid"):
            _check(name, d[name], str, type(None))
        _check("at", d["at"], int, float)
        _check("visit_id", d["visit_id"], int, type(None))
        _check("latency_ms", d["latency_ms"], int, float, type(None))
        return cls(**d)


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """A device's retained configuration: what it is, where, and how it treats passes.

    The fields after ``version`` were added later and are optional in JSON (an older
    server's config still parses): the door's opening hours and holidays (see
    door_schedule), its fail mode on power loss ("secure": stays locked, "safe": unlocks;
    that is wiring, the edge only reports it), and anti-passback (``side`` of a gate,
    ``anti_passback_group`` shared by the gates of one area).
    """

    device: str
    site: str
    kind: DeviceKind
    zone: str
    relay_pulse_ms: int
    allow_static: bool
    code_period: int
    mode: DeviceMode
    version: int
    timezone: str = "UTC"
    opening_hours: dict[str, list[list[str]]] | None = None
    holidays: dict[str, list[list[str]]] = field(default_factory=dict)
    fail_mode: FailMode = "secure"
    side: GateSide | None = None
    anti_passback_group: str | None = None

    def closed_reason(self, now: float) -> str | None:
        """None when the schedule lets the door open at ``now``, else why not."""
        return door_schedule.closed_reason(timezone=self.timezone,
                                           opening_hours=self.opening_hours,
                                           holidays=self.holidays, now=now)

    def door_policy(self) -> DoorPolicy:
        """The DoorPolicy that verify() needs for this device."""
        return DoorPolicy(device=self.device, zone=self.zone, allow_static=self.allow_static,
                          code_period=self.code_period)

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field."""
        return _dumps(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> DeviceConfig:
        """Parse a config; ValueError says which field is wrong."""
        d = _load(cls, data, optional=True)
        for name in ("device", "site", "zone"):
            if not isinstance(d[name], str) or not d[name]:
                raise ValueError(f"field {name!r} must be non-empty text")
        _choice("kind", d["kind"], get_args(DeviceKind))
        _choice("mode", d["mode"], get_args(DeviceMode))
        _check("allow_static", d["allow_static"], bool)
        for name in ("relay_pulse_ms", "code_period", "version"):
            _check(name, d[name], int)
        if not 1 <= d["code_period"] <= 300:
            raise ValueError("field 'code_period' must be 1 to 300 seconds")
        if not 0 <= d["relay_pulse_ms"] <= 60_000:
            raise ValueError("field 'relay_pulse_ms' must be 0 to 60000")
        if "timezone" in d:
            d["timezone"] = door_schedule.check_timezone(d["timezone"])
        if "opening_hours" in d:
            d["opening_hours"] = door_schedule.check_opening_hours(d["opening_hours"])
        if "holidays" in d:
            d["holidays"] = door_schedule.check_holidays(d["holidays"])
        if "fail_mode" in d:
            _choice("fail_mode", d["fail_mode"], get_args(FailMode))
        if d.get("side") is not None:
            _choice("side", d["side"], get_args(GateSide))
        group = d.get("anti_passback_group")
        if group is not None and (not isinstance(group, str) or not 1 <= len(group) <= 64):
            raise ValueError("field 'anti_passback_group' must be 1 to 64 chars or null")
        return cls(**d)


@dataclass(frozen=True, slots=True)
class Revocations:
    """A site's revoked pass ids (hex), retained and versioned."""

    site: str
    version: int
    pass_ids: tuple[str, ...]

    def pass_id_bytes(self) -> frozenset[bytes]:
        """The revoked ids as bytes, ready for verify(revoked=...)."""
        return frozenset(bytes.fromhex(p) for p in self.pass_ids)

    def to_json(self) -> bytes:
        """UTF-8 JSON object; pass_ids as an array."""
        return _dumps(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Revocations:
        """Parse revocations; ValueError says which field is wrong."""
        d = _load(cls, data)
        _check("site", d["site"], str)
        _check("version", d["version"], int)
        ids = _check("pass_ids", d["pass_ids"], list)
        for p in ids:
            try:
                bytes.fromhex(p)
            except (TypeError, ValueError):
                raise ValueError("field 'pass_ids' must hold hex strings") from None
        return cls(site=d["site"], version=d["version"], pass_ids=tuple(p.lower() for p in ids))


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """An edge's periodic health report (QoS 0, not retained; the status topic says online).

    Figures cover the last reporting interval: ``fps`` frames read per second, ``decode_p99_ms``
    and ``decision_p99_ms`` (frame -> relay/LED), ``outbox_depth`` events not yet acknowledged,
    ``outbox_dropped`` events ever dropped over the outbox bound, ``reconnects`` since start.
    """

    device: str
    site: str
    at: float
    uptime_s: float
    fps: float
    decode_p99_ms: float | None
    decision_p99_ms: float | None
    outbox_depth: int
    outbox_dropped: int
    keyset_version: int
    revocations_version: int | None
    config_version: int | None
    reconnects: int

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field."""
        return _dumps(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Heartbeat:
        """Parse a heartbeat; ValueError says which field is wrong."""
        d = _load(cls, data)
        for name in ("device", "site"):
            _check(name, d[name], str)
        for name in ("at", "uptime_s", "fps"):
            _check(name, d[name], int, float)
        for name in ("decode_p99_ms", "decision_p99_ms"):
            _check(name, d[name], int, float, type(None))
        for name in ("outbox_depth", "outbox_dropped", "keyset_version", "reconnects"):
            if _check(name, d[name], int) < 0:
                raise ValueError(f"field {name!r} must not be negative")
        for name in ("revocations_version", "config_version"):
            _check(name, d[name], int, type(None))
        return cls(**d)


DoorEventKind = Literal["door_forced_open", "door_held_open", "door_closed"]


@dataclass(frozen=True, slots=True)
class DoorEvent:
    """A door contact alarm, on the device's events topic like an AccessEvent (QoS 1,
    deduplicated by id): forced open (opened with no unlock), held open too long, or closed
    again after one of those."""

    id: str
    device: str
    site: str
    at: float
    kind: DoorEventKind
    detail: str

    @classmethod
    def new(cls, *, device: str, site: str, at: float, kind: DoorEventKind,
            detail: str = "") -> DoorEvent:
        """A door event with a fresh id."""
        return cls(id=new_event_id(), device=device, site=site, at=at, kind=kind, detail=detail)

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field."""
        return _dumps(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> DoorEvent:
        """Parse a door event; ValueError says which field is wrong."""
        d = _load(cls, data)
        if not isinstance(d["id"], str) or not 8 <= len(d["id"]) <= 64:
            raise ValueError("field 'id' must be text of 8 to 64 chars")
        _choice("kind", d["kind"], get_args(DoorEventKind))
        for name in ("device", "site", "detail"):
            _check(name, d[name], str)
        _check("at", d["at"], int, float)
        return cls(**d)


def event_kind(data: bytes) -> str | None:
    """The ``kind`` of an event payload (to pick AccessEvent or DoorEvent), None if unreadable."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else None
