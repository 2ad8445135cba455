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

Each meeting room is a device of its own with three entities: an occupancy ``binary_sensor``
(ON while someone is inside), a ``sensor`` with the people counted in, and an enum
``sensor`` with what its booking is doing (free, booked, in_progress, ended, released).
Their configs sit under ``{prefix}/{component}/officegate_{site}_room_{room}/{entity}/config``;
their retained states under ``officegate/ha/{site}/rooms/{room}/{entity}``, republished when
a room signal is stored or a sweep changes something, and all at every (re)connect. They
are available while the server is: ``officegate/sites/{site}/status`` is "online" after the
initial states and "offline" by the bridge's last will or on a clean stop. A room that is
gone gets empty retained configs (Home Assistant removes its entities), also when it went
while the server was down: the retained configs the broker replays at connect are checked.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from officegate.protocol import topics
from officegate.protocol.messages import DoorEvent
from officegate.server.bridge.sharing import shared
from officegate.server.db import session_scope
from officegate.server.devices import commands
from officegate.server.devices import service as devices
from officegate.server.errors import OfficeGateError
from officegate.server.occupancy import presence
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
ROOM_ENTITIES = {"occupancy": "binary_sensor", "people": "sensor", "meeting": "sensor"}
ORIGIN = {"name": "OfficeGate", "sw_version": version("officegate-server")}


def server_status(site: str) -> str:
    """Retained "online"/"offline" of the site's server: when the room entities are usable."""
    return f"{topics.ROOT}/sites/{site}/status"


def room_state_topic(site: str, room: str, entity: str) -> str:
    """A room entity's retained state: occupancy ON/OFF, people a count, meeting a state."""
    return f"{topics.ROOT}/ha/{site}/rooms/{room}/{entity}"


def room_config_topic(prefix: str, site: str, room: str, entity: str) -> str:
    """Where the discovery config of one room entity is retained."""
    return f"{prefix}/{ROOM_ENTITIES[entity]}/officegate_{site}_room_{room}/{entity}/config"


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


def room_discovery(prefix: str, *, site: str, room: str, label: str
                   ) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of the discovery configs of one meeting room's entities."""
    key = f"officegate.{site}.room.{room}"  # "." is in no site or room name: no clashes
    slug = f"officegate_{room}".replace("-", "_")
    common: dict[str, Any] = {
        "device": {"identifiers": [key], "name": label, "manufacturer": "OfficeGate",
                   "model": "Meeting room", "suggested_area": label},
        "origin": ORIGIN, "availability_topic": server_status(site),
        "payload_available": topics.ONLINE, "payload_not_available": topics.OFFLINE, "qos": 1}
    entities: dict[str, dict[str, Any]] = {
        "occupancy": {"name": "Occupancy", "device_class": "occupancy",
                      "payload_on": "ON", "payload_off": "OFF"},
        "people": {"name": "People", "state_class": "measurement",
                   "unit_of_measurement": "people", "suggested_display_precision": 0,
                   "icon": "mdi:account-multiple"},
        "meeting": {"name": "Meeting", "device_class": "enum",
                    "options": list(presence.MEETING_STATES), "icon": "mdi:calendar-clock"},
    }
    out = []
    for entity, config in entities.items():
        config |= {"unique_id": f"{key}.{entity}",
                   "default_entity_id": f"{ROOM_ENTITIES[entity]}.{slug}_{entity}",
                   "state_topic": room_state_topic(site, room, entity), **common}
        out.append((room_config_topic(prefix, site, room, entity), json.dumps(config).encode()))
    return out


def room_states(site: str, room: presence.RoomNow) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of a room's three states."""
    return [(room_state_topic(site, room.name, "occupancy"),
             b"ON" if room.occupied else b"OFF"),
            (room_state_topic(site, room.name, "people"), str(room.people).encode()),
            (room_state_topic(site, room.name, "meeting"), room.meeting.encode())]


class HomeAssistant:
    """The bridge's Home Assistant side: discovery, lock states, commands through policy."""

    def __init__(self, *, prefix: str, site: str, sessions: sessionmaker[Session],
                 publish: Callable[[str, bytes], None],
                 send_command: Callable[[str, dict[str, object]], None],
                 no_show_minutes: int = 10) -> None:
        self.prefix = prefix
        self.site = site
        self._sessions = sessions
        self._publish = publish  # retained, QoS 1
        self._send_command = send_command
        self._relock: dict[str, threading.Timer] = {}
        self.refused = 0  # commands refused by policy (lockdown, not a door, ...)
        self._rooms_lock = threading.Lock()  # one room update at a time, in order
        self._announced: dict[str, str] = {}  # room -> label its configs were published with
        self._sent: dict[str, bytes] = {}  # the last state published per topic
        self._no_show_after = timedelta(minutes=no_show_minutes)

    def will(self) -> tuple[str, bytes]:
        """The bridge's last will: the server (and so every room entity) went away."""
        return server_status(self.site), topics.OFFLINE.encode()

    def subscriptions(self, share_group: str | None = None) -> list[tuple[str, int]]:
        """Lock commands, and the room configs the broker retains (to clear gone rooms).

        Commands at QoS 0: the broker queues nothing for a server that is away, so an
        UNLOCK nobody could act on at once is dropped, never carried out hours later. In a
        share group one server takes each command (the door is told once); retained configs
        are never shared (a shared subscription gets no retained messages)."""
        return [(shared(ALL_COMMANDS, share_group, "ha"), 0),
                (f"{self.prefix}/binary_sensor/+/occupancy/config", 1)]

    def handlers(self) -> dict[str, Callable[[str, bytes], bool]]:
        """Bridge handlers by the last topic level."""
        return {"set": self.command, "config": self.config_seen}

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
        with self._rooms_lock:  # a new connection: announce and state everything again
            self._announced.clear()
            self._sent.clear()
        self.publish_rooms()
        self._publish(server_status(self.site), topics.ONLINE.encode())

    def publish_rooms(self, only: str | None = None) -> None:
        """Announce new rooms, publish the states that changed (of room ``only``, or of
        every room), clear rooms that are gone.

        Called at connect, after each stored room signal and after each sweep; nothing is
        sent when nothing changed.
        """
        now = datetime.now(UTC)
        with self._rooms_lock:
            with session_scope(self._sessions) as db:
                rows = presence.site_rooms(db=db, site=self.site)
                names = {row.name for row in rows}
                rooms = [presence.room_now(db=db, room=row, now=now,
                                           no_show_after=self._no_show_after)
                         for row in rows if only is None or row.name == only]
            for gone in set(self._announced) - names:
                self._clear_room(gone)
            for room in rooms:
                if self._announced.get(room.name) != room.label:  # new, or renamed
                    for topic, payload in room_discovery(self.prefix, site=self.site,
                                                         room=room.name, label=room.label):
                        self._publish(topic, payload)
                    self._announced[room.name] = room.label
                for topic, payload in room_states(self.site, room):
                    if self._sent.get(topic) != payload:
                        self._publish(topic, payload)
                        self._sent[topic] = payload

    def _clear_room(self, room: str) -> None:
        """Empty retained configs (Home Assistant drops the entities) and states."""
        for entity in ROOM_ENTITIES:
            self._publish(room_config_topic(self.prefix, self.site, room, entity), b"")
            self._publish(room_state_topic(self.site, room, entity), b"")
            self._sent.pop(room_state_topic(self.site, room, entity), None)
        self._announced.pop(room, None)
        log.info("Home Assistant: room %s is gone; its entities were removed", room)

    def config_seen(self, topic: str, payload: bytes) -> bool:
        """A room occupancy config on the broker (replayed at connect): clear it when the
        room is no longer one of this site's. Always acknowledged."""
        try:
            state = json.loads(payload).get("state_topic", "") if payload else ""
        except (ValueError, AttributeError, UnicodeDecodeError):
            return True  # not ours to judge
        parts = str(state).split("/")
        if (len(parts) != 6 or parts[:2] != [topics.ROOT, "ha"] or parts[2] != self.site
                or parts[3] != "rooms"):
            return True  # another site's room, or not an OfficeGate config
        room = parts[4]
        with self._rooms_lock:
            if room in self._announced:
                return True
            with session_scope(self._sessions) as db:
                exists = any(r.name == room for r in presence.site_rooms(db=db, site=self.site))
            if not exists:
                self._clear_room(room)
        return True

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
        """Cancel pending relock state updates; say the server is going away."""
        for timer in self._relock.values():
            timer.cancel()
        self._publish(server_status(self.site), topics.OFFLINE.encode())
