"""What the room listener and the vending link acknowledge when the database says no.

A database that cannot be reached is worth waiting for (the message stays with the broker);
a message the database refuses as it is (too long, out of range) can never be stored, so it
is acknowledged and counted instead of being redelivered for ever and blocking the others.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import sessionmaker

from officegate.mqtt import BrokerAddress
from officegate.protocol import topics
from officegate.protocol.room import RoomSensorEvent
from officegate.server.occupancy import listener as listener_module
from officegate.server.occupancy.listener import RoomListener


@pytest.fixture
def listener() -> RoomListener:
    sessions = sessionmaker(bind=create_engine("sqlite://"))
    # Never connected: handle() is the whole behaviour.
    return RoomListener(broker=BrokerAddress("127.0.0.1", 1), sessions=sessions, site="hq",
                        journey=None, client_id="og-test-room-listener")


def _motion() -> tuple[str, bytes]:
    event = RoomSensorEvent(device="door-301", site="hq", at=1_800_000_000.0, kind="motion")
    return topics.device_events("door-301"), event.to_json()


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    def room_of_device(**_kwargs: object) -> None:
        raise error
    return room_of_device


def test_a_refused_message_is_acknowledged_and_counted(
    listener: RoomListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_module.service, "room_of_device",
                        _raising(DataError("INSERT", {}, Exception("value too long"))))
    assert listener.handle(*_motion()) is True
    assert listener.stats["rejected"] == 1


def test_an_unreachable_database_leaves_the_message_with_the_broker(
    listener: RoomListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_module.service, "room_of_device",
                        _raising(OperationalError("SELECT", {}, Exception("connection refused"))))
    assert listener.handle(*_motion()) is False
    assert listener.stats["failed"] == 1
