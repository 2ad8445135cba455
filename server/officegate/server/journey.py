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
from typing import Any

log = logging.getLogger(__name__)

# The kinds of step, in journey order. Publishers use these names, subscribers filter on them.
KINDS = (
    "invited", "pass_opened", "reminder_due", "approaching", "arrived", "checked_in",
    "held_for_approval", "gate_passed", "access_denied", "drink_offered", "drink_ordered",
    "drink_served", "drink_failed", "meeting_starting", "room_entered", "meeting_started",
    "host_late", "no_show", "meeting_ended", "checked_out", "visit_ended",
)


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    """One step of one visit's journey."""

    kind: str
    key: str  # unique per real-world occurrence: duplicates carry the same key
    at: datetime
    visit_id: int | None = None
    site: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown journey event kind {self.kind!r}")
        if self.at.tzinfo is None:
            raise ValueError("journey event time must be timezone-aware")


Handler = Callable[[JourneyEvent], None]


class JourneyBus:
    """Synchronous in-process publish/subscribe for JourneyEvents."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, kind: str, handler: Handler) -> None:
        """Call ``handler`` for every event of ``kind`` (``"*"`` for all kinds)."""
        if kind != "*" and kind not in KINDS:
            raise ValueError(f"unknown journey event kind {kind!r}")
        with self._lock:
            self._handlers[kind].append(handler)

    def publish(self, event: JourneyEvent) -> None:
        """Hand ``event`` to its subscribers, in subscription order."""
        with self._lock:
            handlers = [*self._handlers.get(event.kind, ()), *self._handlers.get("*", ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # one broken subscriber must not hide the event from others
                log.exception("journey handler %r failed on %s", handler, event.kind)
