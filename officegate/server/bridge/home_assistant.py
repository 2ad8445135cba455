"""Home Assistant MQTT discovery: each gate/door as a ``lock``, its door alarm as a
``binary_sensor``; Home Assistant's lock commands go through the server's policy and log.

Discovery configs are retained under ``{prefix}/lock/officegate_{device}/config`` and
``{prefix}/binary_sensor/officegate_{device}_door/config``. Home Assistant publishes
``UNLOCK``/``OPEN`` to ``officegate/ha/{device}/set``; the server treats it exactly like a
staff remote unlock (refused in lockdown, logged as a ``remote_unlock`` alert by
"homeassistant") and only then sends the door its ``unlock`` command. ``LOCK`` needs no
action: a door relocks by itself after its pulse. The lock shows UNLOCKED during a pulse or
an emergency unlock; the binary sensor is ON while a forced/held-open alarm is open (the edge
reports alarms, not every swing of the door).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from officegate.protocol import topics
from officegate.protocol.messages import DoorEvent
from officegate.server.db import session_scope
from officegate.server.devices import commands
from officegate.server.devices import service as devices
from officegate.server.errors import OfficeGateError
from officegate.server.sites.models import Zone

log = logging.getLogger(__name__)

HA_BY = "homeassistant"
LOCKED, UNLOCKED = "LOCKED", "UNLOCKED"


def command_topic(device: str) -> str:
    """Where Home Assistant sends LOCK/UNLOCK/OPEN for ``device``."""
    return f"{topics.ROOT}/ha/{device}/set"


def state_topic(device: str) -> str:
    """The lock's state (retained LOCKED/UNLOCKED)."""
    return f"{topics.ROOT}/ha/{device}/state"


def alarm_topic(device: str) -> str:
    """The door alarm binary sensor's state (retained ON/OFF)."""
    return f"{topics.ROOT}/ha/{device}/door_alarm"


ALL_COMMANDS = f"{topics.ROOT}/ha/+/set"


def device_of_command(topic: str) -> str | None:
    """The device named by a command topic, or None."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == topics.ROOT and parts[1] == "ha" and parts[3] == "set":
        return parts[2] or None
    return None


def discovery(prefix: str, *, device: str, kind: str, zone: str) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of the discovery configs for one gate or door."""
    ha_device = {"identifiers": [f"officegate_{device}"], "name": device,
                 "manufacturer": "OfficeGate", "model": kind, "suggested_area": zone}
    availability = {"availability_topic": topics.device_status(device),
                    "payload_available": topics.ONLINE, "payload_not_available": topics.OFFLINE}
    lock: dict[str, Any] = {
        "name": None, "unique_id": f"officegate_{device}_lock", "device": ha_device,
        "command_topic": command_topic(device), "state_topic": state_topic(device),
        "payload_lock": "LOCK", "payload_unlock": "UNLOCK", "payload_open": "OPEN",
        "state_locked": LOCKED, "state_unlocked": UNLOCKED, "optimistic": False, "qos": 1,
        **availability}
    alarm: dict[str, Any] = {
        "name": "Door alarm", "unique_id": f"officegate_{device}_door_alarm",
        "device": ha_device, "device_class": "problem", "state_topic": alarm_topic(device),
        "payload_on": "ON", "payload_off": "OFF", **availability}
    return [(f"{prefix}/lock/officegate_{device}/config", json.dumps(lock).encode()),
            (f"{prefix}/binary_sensor/officegate_{device}_door/config",
             json.dumps(alarm).encode())]


class HomeAssistant:
    """The bridge's Home Assistant side: discovery, lock states, commands through policy."""

    def __init__(self, *, prefix: str, site: str, sessions: sessionmaker[Session],
                 publish: Callable[[str, bytes], None],
                 send_command: Callable[[str, dict[str, object]], None]) -> None:
        self.prefix = prefix
        self.site = site
        self._sessions = sessions
        self._publish = publish  # retained, QoS 1
        self._send_command = send_command
        self._relock: dict[str, threading.Timer] = {}
        self.refused = 0  # commands refused by policy (lockdown, not a door, ...)

    def publish_discovery(self) -> None:
        """Announce every gate and door of the site, with its current lock state."""
        with session_scope(self._sessions) as db:
            doors = []
            for device in devices.list_devices(db=db, site=self.site):
                if device.kind in commands.UNLOCKABLE:
                    zone_row = db.get(Zone, device.zone_id)
                    doors.append((device.name, device.kind,
                                  zone_row.name if zone_row else "", device.mode))
        for name, kind, area, mode in doors:
            for topic, payload in discovery(self.prefix, device=name, kind=kind, zone=area):
                self._publish(topic, payload)
            self.publish_mode(name, mode)

    def publish_mode(self, name: str, mode: str) -> None:
        """The lock state that follows from a device mode (emergency unlock = UNLOCKED)."""
        self._publish(state_topic(name), (UNLOCKED if mode == "unlocked" else LOCKED).encode())

    def door_event(self, event: DoorEvent) -> None:
        """A door alarm raised (ON) or the door closed again (OFF)."""
        self._publish(alarm_topic(event.device),
                      b"OFF" if event.kind == "door_closed" else b"ON")

    def command(self, topic: str, payload: bytes) -> bool:
        """Handle LOCK/UNLOCK/OPEN from Home Assistant; always acknowledged."""
        name = device_of_command(topic)
        action = payload[:16].decode("utf-8", "replace").strip().upper()
        if name is None or action not in ("LOCK", "UNLOCK", "OPEN"):
            log.warning("ignored Home Assistant command %r on %s", action, topic[:200])
            return True
        try:
            with session_scope(self._sessions) as db:
                device = devices.get_device(db=db, name=name)
                if action != "LOCK":
                    commands.remote_unlock(db=db, name=name, user=None, site=self.site,
                                           by=HA_BY)  # checked and logged, then committed
                mode, pulse_ms = device.mode, device.relay_pulse_ms
        except OfficeGateError as exc:
            log.warning("Home Assistant %s of %s refused: %s", action, name[:64],
                        exc.message_en)
            self.refused += 1
            if name is not None and exc.code != "unknown_device":
                self._publish(state_topic(name), LOCKED.encode())  # HA shows it stayed locked
            return True
        if action == "LOCK":  # a pulse lock relocks by itself; just state where it stands
            self.publish_mode(name, mode)
            return True
        self._send_command(name, {"command": "unlock"})
        self._publish(state_topic(name), UNLOCKED.encode())
        timer = threading.Timer(pulse_ms / 1000, self.publish_mode, args=(name, mode))
        timer.daemon = True
        if (old := self._relock.pop(name, None)) is not None:
            old.cancel()
        self._relock[name] = timer
        timer.start()
        return True

    def stop(self) -> None:
        """Cancel pending relock state updates."""
        for timer in self._relock.values():
            timer.cancel()
