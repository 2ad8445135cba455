"""Hears the rooms' devices on MQTT and keeps meeting occupancy current.

Its own paho client (fixed id, persistent session, QoS 1, acknowledged after commit), on the
same device event topics the bridge stores access events from: the bridge keeps the access
log, this keeps the rooms. PIR events (``motion``/``still``) travel on the same topic; exits
are AccessEvents of kind "exit" (the exit button); devices that are no room's door or sensor
are ignored here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from officegate.mqtt import BrokerAddress
from officegate.protocol import Reason, topics
from officegate.protocol.messages import AccessEvent
from officegate.protocol.room import SENSOR_KINDS, RoomSensorEvent
from officegate.server.bridge.subscriber import DeviceEventsSubscriber
from officegate.server.db import DB_UNAVAILABLE, session_scope
from officegate.server.journey import JourneyBus, JourneyEvent
from officegate.server.occupancy import service

log = logging.getLogger(__name__)
MAX_PAYLOAD = 64 * 1024


class RoomListener(DeviceEventsSubscriber):
    """``start()`` / ``stop()``; ``handle(topic, payload)`` is the whole behaviour."""

    label = "room listener"

    def __init__(self, *, broker: BrokerAddress, sessions: sessionmaker[Session], site: str,
                 journey: JourneyBus | None, client_id: str, share_group: str | None = None,
                 on_revocations: Callable[[], None] | None = None,
                 on_room_change: Callable[[str], None] | None = None) -> None:
        super().__init__(broker=broker, client_id=client_id, share_group=share_group,
                         purpose="rooms")
        self.site, self.journey = site, journey
        self.on_revocations = on_revocations
        self.on_room_change = on_room_change  # told the room after each stored signal
        self._sessions = sessions

    def handle(self, topic: str, payload: bytes) -> bool:
        """Store a room's event and update its meeting; False to have it redelivered."""
        device = topics.device_of(topic)
        if device is None or len(payload) > MAX_PAYLOAD:
            self.stats["ignored"] += 1
            return True
        try:
            kind = json.loads(payload).get("kind")
        except (ValueError, AttributeError, UnicodeDecodeError):
            self.stats["ignored"] += 1  # the bridge logs malformed events; no need twice
            return True
        try:
            if kind in ("access", "exit"):
                event = AccessEvent.from_json(payload)
                signal = "entry" if event.reason == Reason.ACCEPTED.value else "denied"
                if kind == "exit":
                    signal = "exit"  # the exit button (request to exit), no pass involved
                return self._store(device, event.id, signal, event.at, event.device,
                                   event.subject, event.visit_id)
            if kind in SENSOR_KINDS:
                sensor = RoomSensorEvent.from_json(payload)
                return self._store(device, sensor.id, sensor.kind, sensor.at, sensor.device)
        except ValueError as exc:
            log.warning("room listener: bad event on %s: %s", topic[:200], str(exc)[:200])
            self.stats["rejected"] += 1
            return True
        self.stats["ignored"] += 1
        return True

    def _store(self, device: str, event_id: str, kind: str, at: float, named: str,
               subject: str | None = None, visit_id: int | None = None) -> bool:
        if named != device:
            self.stats["rejected"] += 1
            return True
        when = datetime.fromtimestamp(at, UTC)
        events: list[JourneyEvent] = []
        revoked = False
        try:
            with session_scope(self._sessions) as db:
                found = service.room_of_device(db=db, device=device)
                if found is None:
                    self.stats["not_a_room"] += 1
                    return True
                room, _part = found
                room_name = room.name
                if not service.record(db=db, event_id=event_id, room=room, kind=kind, at=when,
                                      device=device, subject=subject, visit_id=visit_id):
                    self.stats["duplicate"] += 1
                    return True
                meeting = service.current_meeting(db=db, room=room, at=when)
                if meeting is None:
                    self.stats["walk_in" if kind in ("entry", "motion") else "stored"] += 1
                else:
                    if kind == "entry" and subject:
                        events += service.entered(db=db, meeting=meeting, subject=subject,
                                                  at=when, site=self.site)
                    update = service.update_meeting(db=db, meeting=meeting,
                                                    now=max(when, datetime.now(UTC)),
                                                    site=self.site)
                    events += update.events
                    revoked = update.revocations_changed
                    self.stats["stored"] += 1
        except DB_UNAVAILABLE:
            log.exception("room listener: database unavailable for event %s; will retry",
                          event_id)
            self.stats["failed"] += 1
            return False
        except SQLAlchemyError as exc:  # this message can never be stored: drop it, say so
            log.warning("room listener: rejected event %s: %s", event_id, str(exc)[:300])
            self.stats["rejected"] += 1
            return True
        self._tell(events, revoked, room_name)
        return True

    def _tell(self, events: list[JourneyEvent], revoked: bool, room: str) -> None:
        if self.journey is not None:
            for event in events:
                self.journey.publish(event)
        if revoked and self.on_revocations is not None:
            self.on_revocations()
        if self.on_room_change is not None:
            self.on_room_change(room)
