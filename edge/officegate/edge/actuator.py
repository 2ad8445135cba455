"""The gate's outputs through gpiozero: lock relay, green and red LED, buzzer.

Signals per outcome (what a visitor and a guard see and hear):

| outcome                        | LED (1.5 s) | buzzer                              |
|--------------------------------|-------------|-------------------------------------|
| accepted                       | green       | 1 short beep (0.08 s)               |
| malformed (not our QR)         | red         | 1 long tone (0.6 s)                 |
| unknown_key / bad_signature    | red         | 4 rapid beeps (0.06 on / 0.06 off)  |
| not_yet_valid / expired        | red         | 2 medium beeps (0.25 on / 0.15 off) |
| revoked                        | red         | 3 medium beeps (0.25 on / 0.15 off) |
| wrong_door                     | red         | 2 short beeps (0.08 on / 0.3 off)   |
| stale_code (screenshot)        | red         | 3 short beeps (0.08 on / 0.08 off)  |
| replayed                       | red         | 5 short beeps (0.08 on / 0.08 off)  |
| valid pass, door locked down   | red         | as revoked                          |

The relay is energised synchronously (the frame loop measures scan-to-unlock up to that
moment) and released by a timer, so the frame loop never blocks for the pulse.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from gpiozero import LED, Buzzer, DigitalOutputDevice
from gpiozero.pins import Factory

from officegate.edge.config import Pins
from officegate.protocol import Reason

LED_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class BeepPattern:
    """``count`` beeps of ``on`` seconds separated by ``off`` seconds."""

    count: int
    on: float
    off: float


SIGNALS: dict[Reason, BeepPattern] = {
    Reason.ACCEPTED: BeepPattern(1, 0.08, 0.0),
    Reason.MALFORMED: BeepPattern(1, 0.6, 0.0),
    Reason.UNKNOWN_KEY: BeepPattern(4, 0.06, 0.06),
    Reason.BAD_SIGNATURE: BeepPattern(4, 0.06, 0.06),
    Reason.NOT_YET_VALID: BeepPattern(2, 0.25, 0.15),
    Reason.EXPIRED: BeepPattern(2, 0.25, 0.15),
    Reason.REVOKED: BeepPattern(3, 0.25, 0.15),
    Reason.WRONG_DOOR: BeepPattern(2, 0.08, 0.3),
    Reason.STALE_CODE: BeepPattern(3, 0.08, 0.08),
    Reason.REPLAYED: BeepPattern(5, 0.08, 0.08),
}


class Actuator:
    """Drives one gate's relay, LEDs and buzzer.

    ``pin_factory`` is gpiozero's (``MockFactory`` in tests and simulation, the default
    lgpio factory on a Pi). Use as a context manager or call :meth:`close`.
    """

    def __init__(self, pins: Pins, *, pin_factory: Factory | None = None,
                 relay_active_low: bool = False) -> None:
        # Many cheap relay boards switch on a LOW input: active_high=False keeps "on" meaning
        # "unlocked" in software while the pin idles high (relay off) at boot.
        self.relay = DigitalOutputDevice(
            pins.relay, active_high=not relay_active_low, initial_value=False,
            pin_factory=pin_factory,
        )
        self.green = LED(pins.green, pin_factory=pin_factory)
        self.red = LED(pins.red, pin_factory=pin_factory)
        self.buzzer = Buzzer(pins.buzzer, pin_factory=pin_factory)
        self._lock = threading.Lock()
        self._release: threading.Timer | None = None
        self._held = False
        #: ``time.monotonic()`` until which an opening of the door is authorised.
        self.authorised_until = 0.0

    def open(self, pulse_ms: int) -> None:
        """Energise the lock relay now and release it after ``pulse_ms`` (non-blocking).

        Opening again while open extends the pulse from now.
        """
        with self._lock:
            if self._release is not None:
                self._release.cancel()
            self.relay.on()
            self.authorised_until = max(self.authorised_until,
                                        time.monotonic() + pulse_ms / 1000)
            self._release = threading.Timer(pulse_ms / 1000, self._close_relay)
            self._release.daemon = True
            self._release.start()

    def hold(self, unlocked: bool) -> None:
        """Keep the relay energised (emergency unlock) or return to pulses only."""
        with self._lock:
            self._held = unlocked
            if unlocked:
                self.relay.on()
            elif self._release is None and not self.relay.closed:
                self.relay.off()

    @property
    def held(self) -> bool:
        """True while held unlocked (emergency unlock)."""
        return self._held

    def _close_relay(self) -> None:
        with self._lock:
            self._release = None
            if not self.relay.closed and not self._held:
                self.relay.off()

    @property
    def is_open(self) -> bool:
        """True while the relay is energised."""
        return bool(self.relay.value)

    def signal(self, reason: Reason) -> None:
        """Show the outcome: green or red LED and the reason's beep pattern (non-blocking)."""
        pattern = SIGNALS[reason]
        lit, dark = (self.green, self.red) if reason is Reason.ACCEPTED else (self.red, self.green)
        dark.off()
        # on() first so the light and sound start now, in this thread; blink/beep then run
        # the rest of the pattern in gpiozero's background thread.
        lit.on()
        lit.blink(on_time=LED_SECONDS, off_time=0, n=1, background=True)
        self.buzzer.on()
        self.buzzer.beep(on_time=pattern.on, off_time=max(pattern.off, 0.01),
                         n=pattern.count, background=True)

    def close(self) -> None:
        """Release the relay and free the pins."""
        with self._lock:
            if self._release is not None:
                self._release.cancel()
                self._release = None
        for device in (self.relay, self.green, self.red, self.buzzer):
            device.close()

    def __enter__(self) -> Actuator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
