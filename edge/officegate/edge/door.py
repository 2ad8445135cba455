"""The door's own sensors: door contact (forced open, held open) and the exit button.

- The contact is a gpiozero ``Button`` wired to ground when the door is shut (reed switch,
  internal pull-up): "pressed" = closed, "released" = open.
- Opening without an authorised unlock (a pass, the exit button, a remote unlock, the
  emergency unlock) within the relay pulse plus a grace period -> ``door_forced_open``.
- Open longer than ``held_open_seconds`` -> ``door_held_open`` (buzzer keeps warning);
  closing again after an alarm -> ``door_closed``.
- The exit button (request to exit) opens the door for one pulse and is logged as an
  AccessEvent of kind "exit": no pass is needed to leave, even in lockdown (fire safety).
Events are handed to ``report`` (the agent puts them in the outbox).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from gpiozero import Button
from gpiozero.pins import Factory

from officegate.edge.actuator import Actuator
from officegate.protocol import Reason
from officegate.protocol.messages import AccessEvent, DoorEvent, DoorEventKind, new_event_id

log = logging.getLogger(__name__)

GRACE_SECONDS = 3.0  # a person needs a moment to push the door after the click


class DoorSensors:
    """Watches one door's contact and exit button; reports alarms and exits."""

    def __init__(self, *, device: str, site: str, actuator: Actuator,
                 report: Callable[[AccessEvent | DoorEvent], None],
                 contact_pin: int | None, exit_pin: int | None,
                 pin_factory: Factory | None = None, held_open_seconds: float = 30.0,
                 exit_pulse_ms: Callable[[], int] = lambda: 1500,
                 clock: Callable[[], float] = time.time) -> None:
        self.device = device
        self.site = site
        self.actuator = actuator
        self.report = report
        self.held_open_seconds = held_open_seconds
        self.exit_pulse_ms = exit_pulse_ms
        self.clock = clock
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._alarm = False
        self.contact = (Button(contact_pin, pull_up=True, bounce_time=None,
                               pin_factory=pin_factory) if contact_pin is not None else None)
        self.exit_button = (Button(exit_pin, pull_up=True, bounce_time=None,
                                   pin_factory=pin_factory) if exit_pin is not None else None)
        if self.contact is not None:
            self.contact.when_released = self._opened
            self.contact.when_pressed = self._closed
        if self.exit_button is not None:
            self.exit_button.when_pressed = self.request_to_exit

    @property
    def is_open(self) -> bool:
        """True while the door contact says the door is open."""
        return self.contact is not None and not self.contact.is_pressed

    def _event(self, kind: DoorEventKind, detail: str) -> None:
        self.report(DoorEvent.new(device=self.device, site=self.site, at=self.clock(),
                                  kind=kind, detail=detail))

    def _opened(self) -> None:
        authorised = (self.actuator.held
                      or time.monotonic() <= self.actuator.authorised_until + GRACE_SECONDS)
        with self._lock:
            if not authorised:
                self._alarm = True
                log.warning("%s: door forced open", self.device)
                self.actuator.signal(Reason.BAD_SIGNATURE)  # the harshest pattern
                self._event("door_forced_open", "opened without an unlock")
            self._timer = threading.Timer(self.held_open_seconds, self._still_open)
            self._timer.daemon = True
            self._timer.start()

    def _still_open(self) -> None:
        with self._lock:
            if not self.is_open or self.actuator.held:
                return  # closed meanwhile, or everything is meant to stand open
            self._alarm = True
            log.warning("%s: door held open over %.0f s", self.device, self.held_open_seconds)
            self.actuator.signal(Reason.MALFORMED)  # one long tone
            self._event("door_held_open", f"open longer than {self.held_open_seconds:g} s")

    def _closed(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._alarm:
                self._alarm = False
                self._event("door_closed", "closed again")

    def request_to_exit(self) -> None:
        """The exit button: open for one pulse and log it (works in lockdown too)."""
        pulse = self.exit_pulse_ms()
        self.actuator.open(pulse)
        self.report(AccessEvent(
            id=new_event_id(), device=self.device, site=self.site, at=self.clock(),
            reason=Reason.ACCEPTED.value, pass_id=None, visit_id=None, subject=None, kid=None,
            latency_ms=None, detail="request to exit (exit button)", kind="exit"))

    def close(self) -> None:
        """Stop watching and free the pins."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        for button in (self.contact, self.exit_button):
            if button is not None:
                button.close()
