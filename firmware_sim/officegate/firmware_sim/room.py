"""A simulated meeting room: a door with a camera (the real edge agent), an exit button and a
PIR motion sensor, all on one gpiozero MockFactory board.

The people in the room are simulated by driving the mock pins the way the hardware would:
a PIR output goes high while someone moves, the exit button pulls its pin low.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from officegate.edge.agent import EdgeAgent
from officegate.edge.room_sensors import RoomSensors
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera

PIR_PIN = 24
EXIT_PIN = 25


@dataclass
class SimRoom:
    """The door agent, its board and camera, and the room's sensors reporting through it."""

    agent: EdgeAgent
    board: SimBoard
    camera: SimulatedCamera
    sensors: RoomSensors

    @classmethod
    def attach(cls, agent: EdgeAgent, board: SimBoard, camera: SimulatedCamera, *,
               vacancy_seconds: float = 0.0) -> SimRoom:
        """Wire a PIR and an exit button to a running door agent's board and outbox."""
        wake = agent.link.wake if agent.link is not None else None
        # The door agent's own exit button (issue 3) when it has one, else the room's.
        own = agent.config.pins.exit_button is None
        sensors = RoomSensors(device=agent.config.device, site=agent.config.site,
                              outbox=agent.outbox, wake=wake, pir_pin=PIR_PIN,
                              exit_pin=EXIT_PIN if own else None, pin_factory=board.factory,
                              vacancy_seconds=vacancy_seconds, clock=agent.clock)
        return cls(agent=agent, board=board, camera=camera, sensors=sensors)

    def someone_moves(self) -> None:
        """The PIR sees movement: its output goes high (and, like a real PIR, stays high
        for a moment, long enough for the sensor's sampling to notice)."""
        before, resumed = len(self.sensors.sent), self.sensors.vacancy_pending
        self.board.pin(PIR_PIN).drive_high()
        # Wait for what the sensors say, not for gpiozero's value (reading it while its
        # sampling thread appends can raise "deque mutated during iteration").
        self._settle(lambda: not self.sensors.vacancy_pending if resumed
                     else len(self.sensors.sent) > before)

    def everyone_still(self) -> None:
        """The PIR output drops: nobody moving (vacancy follows after the timeout)."""
        self.board.pin(PIR_PIN).drive_low()
        self._settle(lambda: self.sensors.vacancy_pending
                     or (bool(self.sensors.sent) and self.sensors.sent[-1].kind == "still"))

    @staticmethod
    def _settle(check: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not check() and time.monotonic() < deadline:
            time.sleep(0.005)

    def press_exit(self) -> None:
        """Someone leaves with the exit button (pressed and released)."""
        door_button = self.agent.config.pins.exit_button
        pin = self.board.pin(EXIT_PIN if door_button is None else door_button)
        pin.drive_low()  # gpiozero calls when_pressed from the pin change itself
        pin.drive_high()

    def close(self) -> None:
        """Release the sensors' pins (the agent is closed by whoever started it)."""
        self.sensors.close()
