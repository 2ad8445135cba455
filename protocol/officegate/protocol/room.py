"""Room sensor messages: a meeting room's PIR reading on its door device's events topic.

Shared by the edge (officegate.edge.room_sensors, which reads the gpiozero MotionSensor) and
the server's occupancy listener, so neither needs the other's dependencies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from officegate.protocol.messages import new_event_id

SENSOR_KINDS = ("motion", "still")


@dataclass(frozen=True, slots=True)
class RoomSensorEvent:
    """A PIR reading of a room: ``motion`` (movement began) or ``still`` (vacant)."""

    device: str
    site: str
    at: float
    kind: str
    id: str = field(default_factory=new_event_id)

    def to_json(self) -> bytes:
        """Compact JSON, like every message on the device topics."""
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> RoomSensorEvent:
        """Parse and check one event; ValueError with the reason when it is not one."""
        try:
            d = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"room sensor event is not JSON: {exc}") from exc
        if not isinstance(d, dict):
            raise ValueError("room sensor event must be a JSON object")
        if d.get("kind") not in SENSOR_KINDS:
            raise ValueError(f"kind must be one of {list(SENSOR_KINDS)}")
        for name in ("id", "device", "site"):
            if not isinstance(d.get(name), str) or not 0 < len(d[name]) <= 64:
                raise ValueError(f"{name} must be a text of 1-64 characters")
        at = d.get("at")
        if isinstance(at, bool) or not isinstance(at, int | float):
            raise ValueError("at must be a number (epoch seconds)")
        return cls(device=d["device"], site=d["site"], at=float(at), kind=d["kind"], id=d["id"])
