"""End to end on the session's real broker and database: the visitor's phone opens the room
door (real edge agent, simulated camera and gpiozero mock pins), the PIR and exit button
report through the door's outbox, and the occupancy log shows the meeting; a booking nobody
used is released and its pass refused at its door."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import base45
import pytest
from conftest import Office, bearer
from fastapi.testclient import TestClient
from meetings_helpers import site_day
from support.polling import wait_for

from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig, Pins
from officegate.edge.room_sensors import RoomSensorEvent
from officegate.firmware_sim.board import SimBoard
from officegate.firmware_sim.camera import SimulatedCamera
from officegate.firmware_sim.room import SimRoom
from officegate.firmware_sim.visitor import SimulatedVisitor
from officegate.mqtt import BrokerAddress
from officegate.protocol import Reason


@pytest.fixture
def door(office: Office, mqtt_broker: BrokerAddress, tmp_path: Path,
         client: TestClient) -> Iterator[Callable[[str], SimRoom]]:
    """Start the real edge agent of a room door with a simulated camera, pins and sensors."""
    rooms: list[SimRoom] = []

    def start(name: str) -> SimRoom:
        config = EdgeConfig(device=name, site=office.site, kind="door", zone="floor-3",
                            mqtt_url=mqtt_broker.url(with_password=True),
                            data_dir=tmp_path / name, camera="sim",
                            pins=Pins(exit_button=26))  # the door's own exit button (issue 3)
        board = SimBoard(pins=config.pins)
        camera = SimulatedCamera(seed=3)
        agent = EdgeAgent.from_config(config, frames=camera, pin_factory=board.factory)
        agent.start()
        wait_for(f"{name} to get keys and config",
                 lambda: bool(agent.verifier.keys.keys) and agent.verifier.config is not None)
        room = SimRoom.attach(agent, board, camera, vacancy_seconds=0.0)
        rooms.append(room)
        return room

    yield start
    for room in rooms:
        room.close()
        room.agent.close()
        room.camera.close()
        room.board.close()


def _phone(client: TestClient, link: str) -> tuple[SimulatedVisitor, str]:
    token = link.rsplit("/p/", 1)[1]
    r = client.post(f"/api/p/{token}/open", json={"device_id": secrets.token_urlsafe(24)})
    assert r.status_code == 200, r.text
    data = r.json()
    visitor = SimulatedVisitor(base45.b45decode(data["cose_b45"]),
                               base64.b64decode(data["code_secret"]),
                               period=int(data["code_period"]))
    return visitor, data["pass_id"]


def _hold(room: SimRoom, visitor: SimulatedVisitor, frames: int = 20) -> list[Reason]:
    room.camera.show(visitor.screen)
    reasons = []
    for _ in range(frames):
        frame = room.camera.read()
        if frame is not None:
            reasons += [d.reason for d in room.agent.step(frame)]
    room.camera.show(None)
    return reasons


def _book(client: TestClient, office: Office, room: str, start: datetime, who: str) -> dict:
    r = client.post("/api/meetings", headers=bearer(client, office.host), json={
        "room": room, "title": f"Meeting in {room}", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "visitors": [{"name": who}]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_visit_opens_the_room_and_the_occupancy_log_shows_the_meeting(
        client: TestClient, office: Office, door: Callable[[str], SimRoom]) -> None:
    now = datetime.now(UTC)
    meeting = _book(client, office, "sakura", now + timedelta(minutes=2), "Aiko Tanaka")
    aiko, _pass_id = _phone(client, meeting["pass_urls"]["Aiko Tanaka"])
    sakura = door(office.sakura_door)
    staff = bearer(client, office.staff)

    assert _hold(sakura, aiko) == [Reason.ACCEPTED]
    assert sakura.board.relay_energised() == 1
    sakura.someone_moves()

    def entered() -> dict | None:
        m = client.get(f"/api/meetings/{meeting['id']}", headers=staff).json()
        return m if m["actual_start"] and m["inside_count"] == 1 else None

    seen = wait_for("the entry to reach the meeting", entered)
    assert seen["state"] == "in_progress" and seen["late_start_minutes"] == 0
    aiko_row = next(a for a in seen["attendees"] if a["name"] == "Aiko Tanaka")
    assert aiko_row["entered_at"] and aiko_row["inside"]

    sakura.press_exit()
    # The exit button released the door (counted even if the entry's pulse still runs).
    assert sakura.board.relay_energised() == 2
    sakura.everyone_still()
    ended = wait_for("the room to become vacant", lambda: (
        m := client.get(f"/api/meetings/{meeting['id']}", headers=staff).json()
    )["state"] == "ended" and m)
    assert ended["actual_end"] and ended["inside_count"] == 0
    kinds = [e.kind for e in office.journey if e.data.get("meeting_id") == meeting["id"]]
    assert {"room_entered", "meeting_started", "meeting_ended"} <= set(kinds)

    day = site_day(now)
    log = client.get(f"/api/occupancy/sakura/{day}", headers=staff).json()
    assert [m["id"] for m in log["meetings"]] == [meeting["id"]]
    assert log["figures"]["peak_occupancy"] == 1 and log["figures"]["no_shows"] == 0
    csv = client.get(f"/api/occupancy/sakura/{day}/csv", headers=staff)
    assert csv.status_code == 200 and "Aiko Tanaka" in csv.text
    page = client.get(f"/staff/occupancy?room=sakura&day={day}", headers=staff)
    assert page.status_code == 200 and "Aiko Tanaka" in page.text
    hosts_only = client.get(f"/api/occupancy/sakura/{day}", headers=bearer(client, office.host))
    assert hosts_only.status_code == 403


def test_nobody_came_so_the_room_is_released_and_the_pass_refused(
        client: TestClient, office: Office, door: Callable[[str], SimRoom]) -> None:
    started = datetime.now(UTC) - timedelta(minutes=11)
    meeting = _book(client, office, "kaede", started, "Bob Late")
    bob, pass_id = _phone(client, meeting["pass_urls"]["Bob Late"])
    kaede = door(office.kaede_door)
    staff = bearer(client, office.staff)

    swept = client.post("/api/occupancy/sweep", headers=staff)
    assert swept.status_code == 200 and swept.json()["events"] >= 1
    released = client.get(f"/api/meetings/{meeting['id']}", headers=staff).json()
    assert released["state"] == "no_show" and released["status"] == "no_show"
    told = [e for e in office.journey if e.kind == "no_show"]
    assert told and told[0].data["host_email"] == office.host
    assert told[0].visit_id is not None

    wait_for("the revocation to reach the door", lambda: (
        kaede.agent.verifier.revocations is not None
        and pass_id in kaede.agent.verifier.revocations.pass_ids))
    assert _hold(kaede, bob) == [Reason.REVOKED]
    assert kaede.board.relay_energised() == 0
    log = client.get(f"/api/occupancy/kaede/{site_day(started)}", headers=staff).json()
    assert log["figures"]["no_shows"] == 1 and log["figures"]["no_show_rate"] == 1.0


def test_walk_in_use_of_a_free_room_is_recorded(
        client: TestClient, office: Office, door: Callable[[str], SimRoom]) -> None:
    kaede = door(office.kaede_door)
    kaede.someone_moves()
    kaede.everyone_still()
    staff = bearer(client, office.staff)
    day = site_day(datetime.now(UTC))
    log = wait_for("the walk-in to be logged", lambda: (
        d := client.get(f"/api/occupancy/kaede/{day}", headers=staff).json())["walk_ins"] and d)
    assert log["meetings"] == [] and len(log["walk_ins"]) == 1


def test_room_listener_survives_bad_and_repeated_messages(client: TestClient,
                                                          office: Office) -> None:
    listener = client.app.state.officegate.runtime.rooms  # type: ignore[attr-defined]
    topic = f"officegate/devices/{office.sakura_door}/events"
    good = RoomSensorEvent(device=office.sakura_door, site=office.site, at=time.time(),
                           kind="motion")
    assert listener.handle(topic, b"\xff\xfe not json")
    assert listener.handle(topic, b'{"kind": "motion", "id": 1}')
    spoofed = RoomSensorEvent(device=office.kaede_door, site=office.site, at=time.time(),
                              kind="motion")
    assert listener.handle(topic, spoofed.to_json())  # names another device than its topic
    assert listener.handle("officegate/devices/printer-9/events", RoomSensorEvent(
        device="printer-9", site=office.site, at=time.time(), kind="motion").to_json())
    assert listener.handle(topic, good.to_json()) and listener.handle(topic, good.to_json())
    assert listener.stats["rejected"] == 2 and listener.stats["not_a_room"] == 1
    assert listener.stats["duplicate"] == 1 and listener.stats["ignored"] >= 1
