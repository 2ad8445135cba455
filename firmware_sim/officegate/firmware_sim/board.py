"""A simulated gate board: gpiozero's MockFactory with pins that remember when they changed.

Give ``board.factory`` to the edge's Actuator, then ask the board what a person at the gate
would notice: is the relay energised, which LED is lit, when did the gate open.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from gpiozero.pins.mock import MockFactory, MockPin

from officegate.edge.config import Pins


@dataclass(frozen=True, slots=True)
class PinChange:
    """A pin going high (True) or low (False) at ``at`` (``time.perf_counter()`` seconds)."""

    at: float
    high: bool


class RecordingPin(MockPin):
    """A MockPin that also keeps an absolute-time history of its changes."""

    def __init__(self, factory: MockFactory, info: object) -> None:
        self.history: list[PinChange] = []
        #: Every time software drove the pin high, even when it already was (an output
        #: re-energised while on, e.g. a relay pulse extended, shows here but not in history).
        self.drives_high: list[float] = []
        self.history_lock = threading.Lock()
        super().__init__(factory, info)

    def _change_state(self, value: bool) -> bool:
        now = time.perf_counter()  # before the change lands, as close to it as we can be
        changed = bool(super()._change_state(value))
        with self.history_lock:
            if changed:
                self.history.append(PinChange(now, bool(value)))
            if value and self.function == "output":
                self.drives_high.append(now)
        return changed


@dataclass
class SimBoard:
    """A mock Raspberry Pi wired like a gate: relay, LEDs, buzzer, door contact, exit button."""

    pins: Pins = field(default_factory=Pins)
    factory: MockFactory = field(init=False)

    def __post_init__(self) -> None:
        self.factory = MockFactory(pin_class=RecordingPin)

    def pin(self, number: int) -> RecordingPin:
        """The mock pin with BCM ``number``."""
        pin = self.factory.pin(number)
        assert isinstance(pin, RecordingPin)
        return pin

    @property
    def relay_on(self) -> bool:
        """True while the lock relay is energised (the gate is open)."""
        return bool(self.pin(self.pins.relay).state)

    @property
    def green_on(self) -> bool:
        """True while the green LED is lit."""
        return bool(self.pin(self.pins.green).state)

    @property
    def red_on(self) -> bool:
        """True while the red LED is lit."""
        return bool(self.pin(self.pins.red).state)

    @property
    def buzzer_on(self) -> bool:
        """True while the buzzer sounds."""
        return bool(self.pin(self.pins.buzzer).state)

    def activations(self, number: int) -> list[float]:
        """When pin ``number`` went high (``perf_counter`` seconds), oldest first."""
        pin = self.pin(number)
        with pin.history_lock:
            return [c.at for c in pin.history if c.high]

    def relay_openings(self) -> list[float]:
        """When the gate opened (relay energised), oldest first."""
        return self.activations(self.pins.relay)

    def relay_energised(self) -> int:
        """How many times software energised the relay (each opening of the gate counts,
        even one that only extended a pulse still running): independent of pulse length."""
        pin = self.pin(self.pins.relay)
        with pin.history_lock:
            return len(pin.drives_high)

    def green_flashes(self) -> int:
        """How many times the green LED came on."""
        return len(self.activations(self.pins.green))

    def red_flashes(self) -> int:
        """How many times the red LED came on."""
        return len(self.activations(self.pins.red))

    def beeps(self) -> int:
        """How many times the buzzer sounded so far."""
        return len(self.activations(self.pins.buzzer))

    # Door hardware: reed contact and exit button both pull their pin to GND when active.
    def close_door(self) -> None:
        """The door swings shut: the reed contact closes (pin pulled low)."""
        assert self.pins.door_contact is not None, "no door contact pin configured"
        self.pin(self.pins.door_contact).drive_low()

    def open_door(self) -> None:
        """Someone opens the door: the contact opens (pull-up takes the pin high)."""
        assert self.pins.door_contact is not None, "no door contact pin configured"
        self.pin(self.pins.door_contact).drive_high()

    def press_exit(self) -> None:
        """Press and release the request-to-exit button."""
        assert self.pins.exit_button is not None, "no exit button pin configured"
        pin = self.pin(self.pins.exit_button)
        pin.drive_low()
        pin.drive_high()

    def close(self) -> None:
        """Release the factory's pins."""
        self.factory.close()
