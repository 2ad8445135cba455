"""A meeting room's sensors at the edge: PIR motion (and an exit button where the door agent
has none), reported as events.

They travel like access events: written to the agent's durable outbox first, then sent on
``officegate/devices/{device}/events`` (QoS 1) when the link is up, so a room offline for an
hour still reports who moved and when. The PIR reports ``motion`` when movement starts and
``still`` once nothing moved for ``vacancy_seconds`` (people in a meeting sit still for a
while; a vacancy timeout is how room sensors avoid calling a quiet meeting empty).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from gpiozero import Button, MotionSensor
from gpiozero.pins import Factory

from officegate.protocol import Reason
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.protocol.room import RoomSensorEvent

log = logging.getLogger(__name__)

class EventSink(Protocol):
    """What the sensors write to: the agent's ``Outbox`` (anything with ``put``)."""

    def put(self, event: Any) -> None: ...


class RoomSensors:
    """PIR on ``pir_pin`` (and an exit button on ``exit_pin``), reporting into ``outbox``.

    A door agent with its own exit button (``pins.exit_button``, issue 3) reports exits
    itself; ``exit_pin`` is for rooms whose button is not wired to the door agent. Either
    way an exit is the contract's AccessEvent of kind "exit". ``wake`` (the link's ``wake``)
    is called after each event so it is sent at once.
    """

    def __init__(self, *, device: str, site: str, outbox: EventSink,
                 wake: Callable[[], None] | None = None, pir_pin: int = 24,
                 exit_pin: int | None = None,
                 pin_factory: Factory | None = None, vacancy_seconds: float = 300.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.device, self.site = device, site
        self.outbox, self.wake, self.clock = outbox, wake, clock
        self.vacancy_seconds = vacancy_seconds
        self._timer: threading.Timer | None = None
        self._occupied = False  # as last reported
        self._lock = threading.Lock()
        self.sent: list[RoomSensorEvent | AccessEvent] = []
        # queue_len=1: the PIR module already debounces; react to its output directly.
        self.pir = MotionSensor(pir_pin, queue_len=1, sample_rate=50, threshold=0.5,
                                pin_factory=pin_factory)
        self.exit_button = (Button(exit_pin, pull_up=True, bounce_time=None,
                                   pin_factory=pin_factory) if exit_pin is not None else None)
        self.pir.when_motion = self._on_motion
        self.pir.when_no_motion = self._on_no_motion
        if self.exit_button is not None:
            self.exit_button.when_pressed = self._on_exit
        # gpiozero fires no callback for the first state it reads: someone already moving
        # when the agent starts is reported here (reading value waits for the first sample).
        if self._read_pir():
            self._on_motion()

    def _read_pir(self) -> bool:
        # gpiozero averages its sample deque while its thread appends to it, which can
        # raise RuntimeError; a second read a moment later is fine.
        for _ in range(5):
            try:
                return bool(self.pir.value)
            except RuntimeError:
                time.sleep(0.01)
        return False

    @property
    def vacancy_pending(self) -> bool:
        """True while the PIR is quiet but the vacancy timeout has not run out."""
        with self._lock:
            return self._timer is not None

    def report(self, kind: str) -> RoomSensorEvent | AccessEvent:
        """Write one event durably, then wake the link."""
        event: RoomSensorEvent | AccessEvent
        if kind == "exit":
            event = AccessEvent(
                id=new_event_id(), device=self.device, site=self.site, at=self.clock(),
                reason=Reason.ACCEPTED.value, pass_id=None, visit_id=None, subject=None,
                kid=None, latency_ms=None, detail="request to exit (exit button)", kind="exit")
        else:
            event = RoomSensorEvent(device=self.device, site=self.site, at=self.clock(),
                                    kind=kind)
        self.outbox.put(event)
        self.sent.append(event)
        if self.wake is not None:
            self.wake()
        log.info("%s: room %s", self.device, kind)
        return event

    def _on_motion(self) -> None:
        with self._lock:
            if self._timer is not None:  # moving again within the vacancy time
                self._timer.cancel()
                self._timer = None
            news = not self._occupied
            self._occupied = True
        if news:
            self.report("motion")

    def _on_no_motion(self) -> None:
        with self._lock:
            if not self._occupied:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.vacancy_seconds, self._vacant)
            self._timer.daemon = True
            self._timer.start()

    def _vacant(self) -> None:
        with self._lock:
            self._timer = None
            news = self._occupied
            self._occupied = False
        if news:
            self.report("still")

    def _on_exit(self) -> None:
        self.report("exit")

    def close(self) -> None:
        """Release the pins and stop a pending vacancy timer."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.pir.close()
        if self.exit_button is not None:
            self.exit_button.close()
