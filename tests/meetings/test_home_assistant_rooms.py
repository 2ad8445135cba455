"""Home Assistant MQTT discovery of meeting rooms, on the session's real broker and database:
a subscriber standing in for Home Assistant sees each room as a device with an occupancy
sensor, a people count and a meeting state; a visitor opening the room door with the real
edge agent turns it ON (1 person), pressing the exit button OFF (0); a room that is removed,
even while the server is down, is taken out of Home Assistant by empty retained configs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Office, bearer
from doors.test_home_assistant import Watcher
from fastapi.testclient import TestClient
from sqlalchemy import select
from support.polling import wait_for
from test_room_e2e import _book, _hold, _phone, door  # noqa: F401 (door: a fixture)

from officegate.firmware_sim.room import SimRoom
from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import Reason
from officegate.server.app import create_app
from officegate.server.bootstrap import database_session
from officegate.server.meetings.models import Room
from officegate.server.occupancy import rules
from officegate.server.settings import Settings

ENTITIES = {"occupancy": "binary_sensor", "people": "sensor", "meeting": "sensor"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The meetings server with Home Assistant discovery under a prefix of its own."""
    return settings.model_copy(update={"home_assistant_prefix": f"ha-{settings.site}"})


@pytest.fixture
def home_assistant(settings: Settings, mqtt_broker: BrokerAddress) -> Iterator[Watcher]:
    """Home Assistant's side: discovery configs, room states and the server's status."""
    ha = Watcher(mqtt_broker, f"{settings.home_assistant_prefix}/#",
                 f"officegate/ha/{settings.site}/#", f"officegate/sites/{settings.site}/status")
    yield ha
    ha.close()


def config_topic(settings: Settings, room: str, entity: str) -> str:
    return (f"{settings.home_assistant_prefix}/{ENTITIES[entity]}/"
            f"officegate_{settings.site}_room_{room}/{entity}/config")


def state_of(ha: Watcher, settings: Settings, room: str) -> tuple[str, str, str] | None:
    """(occupancy, people, meeting) as Home Assistant last heard them, once all are known."""
    got = [ha.get(f"officegate/ha/{settings.site}/rooms/{room}/{e}") for e in ENTITIES]
    return None if None in got else tuple(v.decode() for v in got if v is not None)  # type: ignore[return-value]


def configs(ha: Watcher, settings: Settings, room: str) -> dict[str, dict] | None:
    """The room's three discovery configs, once all have arrived."""
    raw = {e: ha.get(config_topic(settings, room, e)) for e in ENTITIES}
    if any(not v for v in raw.values()):
        return None
    return {e: json.loads(v or b"") for e, v in raw.items()}


def test_rooms_are_discovered_and_follow_a_visit_in_and_out(
        client: TestClient, office: Office, settings: Settings, home_assistant: Watcher,
        door: Callable[[str], SimRoom]) -> None:  # noqa: F811 (the imported fixture)
    ha = home_assistant
    found = wait_for("the Sakura configs", lambda: configs(ha, settings, "sakura"))
    status = f"officegate/sites/{settings.site}/status"
    for entity, config in found.items():  # Home Assistant's MQTT discovery schema
        assert config["unique_id"] == f"officegate.{settings.site}.room.sakura.{entity}"
        assert config["default_entity_id"] == f"{ENTITIES[entity]}.officegate_sakura_{entity}"
        assert config["state_topic"] == f"officegate/ha/{settings.site}/rooms/sakura/{entity}"
        assert config["device"] == found["occupancy"]["device"]  # one device per room
        assert config["availability_topic"] == status
        assert (config["payload_available"], config["payload_not_available"]) == (
            "online", "offline")
    assert found["occupancy"]["device"]["name"] == "3F Sakura"
    assert found["occupancy"]["device"]["identifiers"] == [
        f"officegate.{settings.site}.room.sakura"]
    assert (found["occupancy"]["device_class"], found["occupancy"]["payload_on"],
            found["occupancy"]["payload_off"]) == ("occupancy", "ON", "OFF")
    assert found["people"]["state_class"] == "measurement"
    assert found["people"]["unit_of_measurement"] == "people"
    meeting = found["meeting"]
    assert meeting["device_class"] == "enum"  # options go with enum and without a unit
    assert meeting["options"] == ["free", "booked", "in_progress", "ended", "released"]
    assert "unit_of_measurement" not in meeting and "state_class" not in meeting
    assert configs(ha, settings, "kaede") is not None or wait_for(
        "the Kaede configs", lambda: configs(ha, settings, "kaede"))
    assert wait_for("the server to be online", lambda: ha.get(status) == b"online")
    assert wait_for("Sakura's first state", lambda: state_of(ha, settings, "sakura")) == (
        "OFF", "0", "free")

    now = datetime.now(UTC)
    booking = _book(client, office, "sakura", now - timedelta(minutes=1), "Aiko Tanaka")
    _book(client, office, "kaede", now - timedelta(minutes=11), "Bob Late")
    staff = bearer(client, office.staff)
    assert client.post("/api/occupancy/sweep", headers=staff).status_code == 200
    wait_for("Sakura booked, Kaede released", lambda: (
        state_of(ha, settings, "sakura") == ("OFF", "0", "booked")
        and state_of(ha, settings, "kaede") == ("OFF", "0", "released")))

    aiko, _pass_id = _phone(client, booking["pass_urls"]["Aiko Tanaka"])
    sakura = door(office.sakura_door)
    assert _hold(sakura, aiko) == [Reason.ACCEPTED]
    wait_for("Sakura occupied by one person", lambda: (
        state_of(ha, settings, "sakura") == ("ON", "1", "in_progress")))

    sakura.press_exit()
    sakura.everyone_still()
    wait_for("Sakura empty again", lambda: state_of(ha, settings, "sakura") == (
        "OFF", "0", "ended"))
    assert state_of(ha, settings, "kaede") == ("OFF", "0", "released")  # untouched


@contextmanager
def running_server(settings: Settings, broker: BrokerAddress) -> Iterator[TestClient]:
    """The whole server, started and stopped; its persistent sessions are dropped after."""
    with TestClient(create_app(settings, broker=broker)) as c:
        yield c
    for client_id in (settings.mqtt_client_id, f"{settings.mqtt_client_id}-rooms"):
        cleaner = make_client(client_id=str(client_id), broker=broker, clean_session=True)
        cleaner.connect(broker.host, broker.port, 10)
        cleaner.loop_start()
        cleaner.disconnect()
        cleaner.loop_stop()


def _remove_room(settings: Settings, name: str) -> None:
    with database_session(settings) as db:
        db.delete(db.scalar(select(Room).where(Room.name == name)))


def test_a_removed_room_leaves_home_assistant_even_when_removed_while_the_server_was_down(
        office: Office, settings: Settings, mqtt_broker: BrokerAddress,
        home_assistant: Watcher) -> None:
    ha = home_assistant
    status = f"officegate/sites/{settings.site}/status"
    emptied = {room: (lambda room=room: all(
        ha.get(config_topic(settings, room, e)) == b"" for e in ENTITIES))
        for room in ("sakura", "kaede")}
    with running_server(settings, mqtt_broker) as client:
        for room in ("sakura", "kaede"):
            wait_for(f"the {room} configs", lambda room=room: configs(ha, settings, room))
        assert wait_for("online", lambda: ha.get(status) == b"online")

        _remove_room(settings, "kaede")  # while running: gone at the next sweep
        assert client.post("/api/occupancy/sweep",
                           headers=bearer(client, office.staff)).status_code == 200
        wait_for("Kaede's configs emptied", emptied["kaede"])
        assert configs(ha, settings, "sakura") is not None  # only the removed room went
    assert wait_for("the rooms unavailable", lambda: ha.get(status) == b"offline")

    _remove_room(settings, "sakura")  # while the server is down
    assert configs(ha, settings, "sakura") is not None
    with running_server(settings, mqtt_broker):  # the broker still has Sakura's configs
        wait_for("Sakura's configs emptied at start", emptied["sakura"])
        assert wait_for("online again", lambda: ha.get(status) == b"online")


def test_people_counted_and_occupancy_from_the_room_signals() -> None:
    at = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def signals(*kinds: str) -> list[rules.Signal]:
        return [rules.Signal(k, at + timedelta(seconds=i), f"p{i}" if k == "entry" else None)
                for i, k in enumerate(kinds)]

    assert rules.inside_now([]) == (0, False)
    assert rules.inside_now(signals("entry", "entry", "exit")) == (1, True)
    assert rules.inside_now(signals("motion")) == (0, True)  # came in behind someone
    assert rules.inside_now(signals("entry", "motion", "still")) == (0, False)
    assert rules.inside_now(signals("entry", "exit", "exit")) == (0, False)
