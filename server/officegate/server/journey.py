"""The visitor's journey as events inside the server: one small publish/subscribe bus.

Domains that notice a step of the journey (an invitation sent, the phone approaching, a
check-in, a gate passed, a meeting starting, a drink served, the visit ending) publish a
``JourneyEvent``; domains that react (notifications to the host, proactive messages on the
visitor's timeline, occupancy) subscribe. Handlers run synchronously in the publisher's
thread and must be quick; one failing handler is logged and does not stop the others.

Every event has a stable ``key`` (for example ``"gate_passed:<access event id>"``) so a
subscriber can ignore an event delivered twice (an MQTT redelivery, a retried request).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

log = logging.getLogger(__name__)



class Kind(StrEnum):
    """The kinds of step, in journey order. Who reacts to each: ``reactions.py``."""

    INVITED = "invited"
    PASS_OPENED = "pass_opened"  # noqa: S105 -- a journey step, not a password
    REMINDER_DUE = "reminder_due"
    APPROACHING = "approaching"
    ARRIVED = "arrived"
    CHECKED_IN = "checked_in"
    HELD_FOR_APPROVAL = "held_for_approval"
    GATE_PASSED = "gate_passed"
    ACCESS_DENIED = "access_denied"
    DRINK_OFFERED = "drink_offered"
    DRINK_ORDERED = "drink_ordered"
    DRINK_SERVED = "drink_served"
    DRINK_FAILED = "drink_failed"
    MEETING_STARTING = "meeting_starting"
    ROOM_ENTERED = "room_entered"
    MEETING_STARTED = "meeting_started"
    HOST_LATE = "host_late"
    NO_SHOW = "no_show"
    MEETING_ENDED = "meeting_ended"
    CHECKED_OUT = "checked_out"
    VISIT_ENDED = "visit_ended"


KINDS = tuple(kind.value for kind in Kind)
EVERY_KIND: Literal["*"] = "*"  # subscribe to every kind (the visitor's timeline)


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    """One step of one visit's journey."""

    kind: Kind
    key: str  # unique per real-world occurrence: duplicates carry the same key
    at: datetime
    visit_id: int | None = None
    site: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown journey event kind {self.kind!r}")
        object.__setattr__(self, "kind", Kind(self.kind))  # publishers may pass the plain name
        if self.at.tzinfo is None:
            raise ValueError("journey event time must be timezone-aware")


Handler = Callable[[JourneyEvent], None]
Unsubscribe = Callable[[], None]


class JourneyBus:
    """Synchronous in-process publish/subscribe for JourneyEvents."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, kind: Kind | Literal["*"], handler: Handler) -> Unsubscribe:
        """Call ``handler`` for every event of ``kind`` (``"*"`` for all kinds); returns the
        function that takes the subscription back."""
        if kind != EVERY_KIND and kind not in KINDS:
            raise ValueError(f"unknown journey event kind {kind!r}")
        key = str(kind)
        with self._lock:
            self._handlers[key].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[key]:
                    self._handlers[key].remove(handler)

        return unsubscribe

    def publish(self, event: JourneyEvent) -> None:
        """Hand ``event`` to its subscribers, in subscription order."""
        with self._lock:
            handlers = [*self._handlers.get(str(event.kind), ()),
                        *self._handlers.get(EVERY_KIND, ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # one broken subscriber must not hide the event from others
                log.exception("journey handler %r failed on %s", handler, event.kind)
