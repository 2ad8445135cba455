"""A simulated vending mechanism on gpiozero mock pins.

The edge's Dispenser drives one motor output per slot and waits for the "vend done" drop
sensor. This board plays the machine's insides: when a slot's motor starts, a can drops and
the sensor pin pulses, unless the slot is physically empty or the mechanism is jammed. No
timing is involved: the sensor answers while the motor is on (``delay_s`` > 0 answers later
from a timer, like a real drop). It also plays the visitor's finger on the slot buttons
(:meth:`press`) and shows which button lamps are lit (:meth:`lit`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from gpiozero.pins.mock import MockFactory, MockPin

from officegate.edge.vending import VendingPins


class MotorPin(MockPin):
    """A mock pin that tells its board when it goes high (a motor starting)."""

    def _change_state(self, value: bool) -> bool:
        changed = bool(super()._change_state(value))
        board = getattr(self.factory, "vending_board", None)
        if changed and value and board is not None:
            board.motor_started(self)
        return changed


@dataclass
class SimVendingBoard:
    """A mock Pi wired into a vending machine: motors per slot, a drop sensor.

    ``cans`` is what is physically in each slot (the machine's own count may be wrong);
    ``jammed`` slots never drop a can. ``drops`` counts cans that came out, per slot.
    """

    pins: VendingPins = field(default_factory=VendingPins)
    cans: dict[int, int] = field(default_factory=dict)
    jammed: set[int] = field(default_factory=set)
    delay_s: float = 0.0
    drops: dict[int, int] = field(default_factory=dict)
    #: (slot, ``time.perf_counter()``) each time a slot's motor output was energised
    motor_starts: list[tuple[int, float]] = field(default_factory=list)
    factory: MockFactory = field(init=False)

    def __post_init__(self) -> None:
        self.factory = MockFactory(pin_class=MotorPin)
        self.factory.vending_board = self  # type: ignore[attr-defined]
        self._lock = threading.Lock()

    def motor_started(self, pin: MockPin) -> None:
        """A slot motor turned: drop a can and pulse the sensor, unless empty or jammed."""
        at = time.perf_counter()
        number = getattr(pin.info, "name", "")
        slot = next((i for i, p in enumerate(self.pins.slots) if f"GPIO{p}" == number), None)
        if slot is None:
            return
        with self._lock:
            self.motor_starts.append((slot, at))
            if slot in self.jammed or self.cans.get(slot, 0) <= 0:
                return  # the motor turns, nothing falls: the sensor stays quiet
            self.cans[slot] -= 1
            self.drops[slot] = self.drops.get(slot, 0) + 1
        if self.delay_s > 0:
            threading.Timer(self.delay_s, self._pulse).start()
        else:
            self._pulse()

    def _pulse(self) -> None:
        sensor = self.factory.pin(self.pins.done)
        sensor.drive_high()
        sensor.drive_low()

    def press(self, slot: int) -> None:
        """A finger on ``slot``'s button: the pin goes to GND, then is let go."""
        button = self.factory.pin(self.pins.buttons[slot])
        button.drive_low()
        button.drive_high()

    def lit(self) -> set[int]:
        """The slots whose button lamp is on."""
        return {slot for slot, pin in enumerate(self.pins.lamps)
                if self.factory.pin(pin).state}

    def served(self) -> int:
        """How many cans came out in total."""
        return sum(self.drops.values())

    def close(self) -> None:
        """Release the factory's pins."""
        self.factory.close()
