"""Room sensors at the edge: PIR and exit button events land in the durable outbox with no
broker at all, and the server side refuses malformed sensor messages without crashing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from officegate.edge.outbox import Outbox
from officegate.edge.room_sensors import RoomSensorEvent, RoomSensors
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.room import SimRoom


class _Agent:
    """Just what SimRoom.attach needs from an agent: config, outbox, link, clock."""

    def __init__(self, outbox: Outbox) -> None:
        from officegate.edge.config import EdgeConfig

        self.config = EdgeConfig(device="room-301", site="hq", kind="door", mqtt_url=None,
                                 data_dir=Path("/nonexistent"))
        self.outbox, self.link = outbox, None
        self.clock = lambda: 1_795_424_400.0


def test_offline_room_keeps_motion_exit_and_vacancy_in_its_outbox(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    board, camera = SimBoard(), SimulatedCamera(seed=1)
    room = SimRoom.attach(_Agent(outbox), board, camera)  # type: ignore[arg-type]
    try:
        room.someone_moves()
        room.press_exit()
        room.everyone_still()
    finally:
        room.close()
        camera.close()
        board.close()
    kinds = [json.loads(p.payload)["kind"] for p in outbox.pending()]
    assert kinds == ["motion", "exit", "still"]
    event = RoomSensorEvent.from_json(outbox.pending()[0].payload)
    assert (event.device, event.site, event.at) == ("room-301", "hq", 1_795_424_400.0)
    outbox.close()


def test_motion_resuming_within_the_vacancy_time_is_not_a_new_arrival() -> None:
    class Box:
        items: list[RoomSensorEvent] = []

        def put(self, event: RoomSensorEvent) -> None:
            self.items.append(event)

    factory, box = MockFactory(), Box()
    sensors = RoomSensors(device="room-301", site="hq", outbox=box, pin_factory=factory,
                          vacancy_seconds=3600)
    try:
        pir = factory.pin(24)
        pir.drive_high()
        _until(lambda: len(box.items) == 1)
        for _ in range(3):  # people shifting in their chairs
            pir.drive_low()
            _until(lambda: sensors.vacancy_pending)
            pir.drive_high()
            _until(lambda: not sensors.vacancy_pending)
        pir.drive_low()
        _until(lambda: sensors.vacancy_pending)
        assert [e.kind for e in box.items] == ["motion"]
        assert sensors.vacancy_pending
    finally:
        sensors.close()


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "the sensor never reacted"
        time.sleep(0.002)


@pytest.mark.parametrize("payload, reason", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"kind": "teleport", "id": "a", "device": "d", "site": "s", "at": 1}', "kind"),
    (b'{"kind": "motion", "id": "", "device": "d", "site": "s", "at": 1}', "id"),
    (b'{"kind": "motion", "id": "a", "device": "d", "site": "s", "at": "noon"}', "at"),
    (b'{"kind": "motion", "id": "a", "device": "d", "site": "s", "at": true}', "at"),
])
def test_malformed_sensor_events_are_refused_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        RoomSensorEvent.from_json(payload)
