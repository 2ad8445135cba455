"""The dispense mechanism on gpiozero mock pins: a confirmed vend, a jam, an empty slot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from officegate.edge.vending import Dispenser
from officegate.firmware_sim.vending import SimVendingBoard


@pytest.fixture
def board() -> Iterator[SimVendingBoard]:
    board = SimVendingBoard(cans={0: 2, 1: 0, 2: 5}, jammed={2})
    yield board
    board.close()


def test_confirmed_vend_drops_one_can(board: SimVendingBoard) -> None:
    dispenser = Dispenser(board.pins, pin_factory=board.factory, timeout_s=2.0)
    assert dispenser.vend(0) is True
    assert board.drops == {0: 1} and board.cans[0] == 1
    assert not board.factory.pin(board.pins.slots[0]).state  # the motor stopped again
    dispenser.close()


def test_jam_and_empty_slot_are_not_confirmed(board: SimVendingBoard) -> None:
    dispenser = Dispenser(board.pins, pin_factory=board.factory, timeout_s=0.1)
    assert dispenser.vend(2) is False  # jammed: the motor ran, the sensor never saw a can
    assert dispenser.vend(1) is False  # nothing in the slot
    assert board.served() == 0
    assert not board.factory.pin(board.pins.slots[2]).state
    dispenser.close()


def test_sensor_pulse_from_a_timer_is_seen(board: SimVendingBoard) -> None:
    board.delay_s = 0.05  # the can drops a moment after the motor starts, like a real one
    dispenser = Dispenser(board.pins, pin_factory=board.factory, timeout_s=5.0)
    assert dispenser.vend(0) is True
    dispenser.close()
