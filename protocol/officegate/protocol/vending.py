"""Vending messages that cross MQTT: stock reports and vend results (machine -> server) and
drink orders (server -> machine, on the machine's ``cmd`` topic).

Frozen dataclasses with strict JSON: ``from_json`` raises ValueError with the reason for
anything that is not exactly the documented shape. Machine reports travel on the machine's
``events`` topic with ``kind`` "stock" or "vend", so they ride the edge's durable outbox.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

VendOutcome = Literal[
    "served",        # the vend-done sensor confirmed the drink came out
    "jammed",        # the mechanism ran but the vend was not confirmed in time
    "out_of_stock",  # the ordered slot is empty
    "expired",       # the order's time ran out before the pass was shown
    "denied",        # the pass was refused (forged, expired, revoked, wrong door, ...)
    "no_order",      # a valid pass but no order: the machine shows its menu
    "requested",     # the visitor chose on the machine's own buttons; asks the server
]
OUTCOMES: tuple[str, ...] = get_args(VendOutcome)
MAX_SLOTS = 32


def _doc(cls: type, data: bytes | str | dict[str, Any], extra: tuple[str, ...] = ()
         ) -> dict[str, Any]:
    if isinstance(data, dict):
        doc = data
    else:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{cls.__name__} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{cls.__name__} must be a JSON object")
    doc = {k: v for k, v in doc.items() if k not in extra}
    names = {f.name for f in fields(cls)}
    if unknown := sorted(set(doc) - names):
        raise ValueError(f"{cls.__name__} has unknown fields: {', '.join(unknown)}")
    if missing := sorted(names - set(doc)):
        raise ValueError(f"{cls.__name__} is missing fields: {', '.join(missing)}")
    return doc


def _want(name: str, value: Any, *types: type) -> Any:
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
        raise ValueError(f"field {name!r} must be {want}")
    return value


def _text(name: str, value: Any, *, max_len: int = 128, empty: bool = False) -> str:
    _want(name, value, str)
    if (not value and not empty) or len(value) > max_len:
        raise ValueError(f"field {name!r} must be text of {0 if empty else 1} to {max_len} chars")
    return str(value)


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class Product:
    """What one slot of a machine holds: a product id, its names and how many are left."""

    slot: int
    product: str
    name_en: str
    name_ja: str
    count: int

    @classmethod
    def from_dict(cls, d: Any) -> Product:
        """Parse one slot; ValueError says which field is wrong."""
        d = _doc(cls, d)
        if not 0 <= _want("slot", d["slot"], int) < MAX_SLOTS:
            raise ValueError(f"field 'slot' must be 0 to {MAX_SLOTS - 1}")
        if not 0 <= _want("count", d["count"], int) <= 10_000:
            raise ValueError("field 'count' must be 0 to 10000")
        return cls(slot=d["slot"], product=_text("product", d["product"], max_len=64),
                   name_en=_text("name_en", d["name_en"]), name_ja=_text("name_ja", d["name_ja"]),
                   count=d["count"])


@dataclass(frozen=True, slots=True)
class StockReport:
    """A machine's whole stock at ``at``; the newest report replaces older ones."""

    id: str
    machine: str
    site: str
    at: float
    slots: tuple[Product, ...]
    kind: str = "stock"

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field (slots as an array of objects)."""
        return _dumps(asdict(self) | {"slots": [asdict(p) for p in self.slots]})

    @classmethod
    def from_json(cls, data: bytes | str) -> StockReport:
        """Parse a stock report; ValueError says which field is wrong."""
        d = _doc(cls, data)
        if d["kind"] != "stock":
            raise ValueError("field 'kind' must be stock")
        slots = _want("slots", d["slots"], list)
        if len(slots) > MAX_SLOTS:
            raise ValueError(f"a machine has at most {MAX_SLOTS} slots")
        products = tuple(Product.from_dict(s) for s in slots)
        if len({p.slot for p in products}) != len(products):
            raise ValueError("field 'slots' names a slot twice")
        return cls(id=_text("id", d["id"], max_len=64), machine=_text("machine", d["machine"]),
                   site=_text("site", d["site"]), at=float(_want("at", d["at"], int, float)),
                   slots=products)


@dataclass(frozen=True, slots=True)
class VendEvent:
    """One thing that happened at a machine with a pass or an order (QoS 1, deduplicated)."""

    id: str
    machine: str
    site: str
    at: float
    outcome: str
    order_id: str | None
    pass_id: str | None
    visit_id: int | None
    slot: int | None
    reason: str  # the pass decision's reason (Reason value) for "denied", else ""
    detail: str
    kind: str = "vend"

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field."""
        return _dumps(asdict(self))

    @classmethod
    def from_json(cls, data: bytes | str) -> VendEvent:
        """Parse a vend event; ValueError says which field is wrong."""
        d = _doc(cls, data)
        if d["kind"] != "vend":
            raise ValueError("field 'kind' must be vend")
        if d["outcome"] not in OUTCOMES:
            raise ValueError(f"field 'outcome' must be one of {', '.join(OUTCOMES)}")
        for name in ("order_id", "pass_id"):
            if d[name] is not None:
                _text(name, d[name], max_len=64)
        _want("visit_id", d["visit_id"], int, type(None))
        if d["slot"] is not None and not 0 <= _want("slot", d["slot"], int) < MAX_SLOTS:
            raise ValueError(f"field 'slot' must be 0 to {MAX_SLOTS - 1}")
        return cls(id=_text("id", d["id"], max_len=64), machine=_text("machine", d["machine"]),
                   site=_text("site", d["site"]), at=float(_want("at", d["at"], int, float)),
                   outcome=d["outcome"], order_id=d["order_id"], pass_id=d["pass_id"],
                   visit_id=d["visit_id"], slot=d["slot"],
                   reason=_text("reason", d["reason"], max_len=32, empty=True),
                   detail=_text("detail", d["detail"], max_len=300, empty=True))


@dataclass(frozen=True, slots=True)
class DrinkOrder:
    """The server's word to one machine: serve ``slot`` to the holder of ``pass_id``.

    Sent as a command (``{"command": "order", ...}``); the machine keeps it on disk and
    serves it offline when that pass is shown before ``expires`` (epoch seconds).
    """

    order_id: str
    machine: str
    pass_id: str
    visit_id: int
    slot: int
    product: str
    name_en: str
    name_ja: str
    expires: float

    def to_json(self) -> bytes:
        """UTF-8 JSON object with every field (the on-disk form)."""
        return _dumps(asdict(self))

    def to_command(self) -> bytes:
        """The ``cmd`` payload: this order plus ``"command": "order"``."""
        return _dumps({"command": "order", **asdict(self)})

    @classmethod
    def from_json(cls, data: bytes | str | dict[str, Any]) -> DrinkOrder:
        """Parse an order (a ``command`` key is allowed); ValueError says what is wrong."""
        d = _doc(cls, data, extra=("command",))
        try:
            bytes.fromhex(_text("pass_id", d["pass_id"], max_len=64))
        except ValueError:
            raise ValueError("field 'pass_id' must be hex") from None
        if not 0 <= _want("slot", d["slot"], int) < MAX_SLOTS:
            raise ValueError(f"field 'slot' must be 0 to {MAX_SLOTS - 1}")
        return cls(order_id=_text("order_id", d["order_id"], max_len=64),
                   machine=_text("machine", d["machine"]), pass_id=d["pass_id"].lower(),
                   visit_id=_want("visit_id", d["visit_id"], int), slot=d["slot"],
                   product=_text("product", d["product"], max_len=64),
                   name_en=_text("name_en", d["name_en"]), name_ja=_text("name_ja", d["name_ja"]),
                   expires=float(_want("expires", d["expires"], int, float)))


def cancel_command(order_id: str) -> bytes:
    """The ``cmd`` payload that withdraws an order (cancelled, or the quota went elsewhere)."""
    return _dumps({"command": "cancel_order", "order_id": order_id})


def refuse_command(pass_id: str, message_en: str, message_ja: str) -> bytes:
    """The ``cmd`` payload answering a button request the server will not serve."""
    return _dumps({"command": "refuse", "pass_id": pass_id, "message_en": message_en,
                   "message_ja": message_ja})


def parse_machine_report(data: bytes) -> StockReport | VendEvent | None:
    """A stock report or vend event from a machine's ``events`` topic.

    ``None`` for other events on that topic (access events); ValueError for a broken one.
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("event is not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("event is not a JSON object")
    kind = doc.get("kind")
    if kind == "stock":
        return StockReport.from_json(data)
    if kind == "vend":
        return VendEvent.from_json(data)
    return None
