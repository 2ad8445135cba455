"""The vending machine's own selection buttons and their lamps, on gpiozero.

One push button per slot (between its pin and GND, the Pi's internal pull-up) and,
optionally, an LED in each button. The machine lights the buttons of the drinks it can serve
while it shows its menu, and hears a press through ``on_press(slot)``. On a Pi the presses
arrive on gpiozero's pin thread; on mock pins, in the thread that drives the pin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from gpiozero import LED, Button
from gpiozero.pins import Factory

#: Contact bounce of a cheap arcade button; one press must not read as two.
BOUNCE_S = 0.05


class ButtonPanel:
    """Buttons (and lamps) by slot; a press calls ``on_press(slot)`` (set by the machine)."""

    def __init__(self, buttons: Iterable[int], lamps: Iterable[int] = (), *,
                 pin_factory: Factory | None = None) -> None:
        self.on_press: Callable[[int], object] | None = None
        self._buttons = [Button(pin, pull_up=True, bounce_time=BOUNCE_S,
                                pin_factory=pin_factory) for pin in buttons]
        self._lamps = [LED(pin, pin_factory=pin_factory) for pin in lamps]
        for slot, button in enumerate(self._buttons):
            # gpiozero calls a partial that needs no further arguments without the device
            button.when_pressed = partial(self._pressed, slot)

    def _pressed(self, slot: int) -> None:
        if self.on_press is not None:
            self.on_press(slot)

    @property
    def slots(self) -> int:
        """How many slots have a button."""
        return len(self._buttons)

    def light(self, slots: Iterable[int]) -> None:
        """Light exactly the lamps of ``slots`` (the others go dark)."""
        wanted = set(slots)
        for slot, lamp in enumerate(self._lamps):
            lamp.value = slot in wanted

    def lit(self) -> set[int]:
        """The slots whose lamp is on now."""
        return {slot for slot, lamp in enumerate(self._lamps) if lamp.is_lit}

    def close(self) -> None:
        """Darken the lamps and release the pins (a second close does nothing)."""
        for lamp in self._lamps:
            if not lamp.closed:
                lamp.off()
        for device in (*self._buttons, *self._lamps):
            device.close()
