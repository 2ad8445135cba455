"""Door alarms and copied codes reach staff: sent by real edge links over the broker,
stored by the server's bridge once, shown as alerts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from support.polling import poll

from officegate.edge.link import EdgeLink
from officegate.mqtt import BrokerAddress
from officegate.protocol import Reason
from officegate.protocol.messages import AccessEvent, DoorEvent, new_event_id
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import database_session, prepare
from officegate.server.bridge.service import SiteBridge

from .conftest import Office, edge_link


@pytest.fixture
def bridge(office: Office, mqtt_broker: BrokerAddress) -> Iterator[SiteBridge]:
    engine, sessions = prepare(office.settings)
    b = SiteBridge(broker=mqtt_broker, sessions=sessions, site=office.site,
                   keyring=office.settings.keyring, client_id=office.settings.mqtt_client_id)
    b.start()
    yield b
    b.stop()
    engine.dispose()


@pytest.fixture
def links(office: Office, mqtt_broker: BrokerAddress, tmp_path: Path) -> Iterator[list[EdgeLink]]:
    started = [edge_link(tmp_path, mqtt_broker, name, office.site)
               for name in (office.gate, office.door)]
    for link in started:
        link.start()
    yield started
    for link in started:
        link.stop()


def _alerts(office: Office) -> list[tuple[str, str | None, bool]]:
    with database_session(office.settings) as db:
        return [(a.kind, a.device, a.resolved_at is not None)
                for a in db.scalars(select(Alert).where(Alert.kind != "door_closed")
                                    .order_by(Alert.id))]


def _send(link: EdgeLink, event: AccessEvent | DoorEvent) -> None:
    link.outbox.put(event)
    link.wake()


def test_forced_door_alarm_is_stored_once_and_closing_resolves_it(
        office: Office, bridge: SiteBridge, links: list[EdgeLink]) -> None:
    door = links[1]
    forced = DoorEvent.new(device=office.door, site=office.site, at=time.time(),
                           kind="door_forced_open", detail="opened without an unlock")
    _send(door, forced)
    door.client.publish(f"officegate/devices/{office.door}/events", forced.to_json(), qos=1)
    assert poll(lambda: _alerts(office) == [("door_forced_open", office.door, False)])
    assert poll(lambda: bridge.stats["duplicate"] >= 1)  # the second copy: no new row
    _send(door, DoorEvent.new(device=office.door, site=office.site, at=time.time(),
                              kind="door_closed"))
    assert poll(lambda: _alerts(office) == [("door_forced_open", office.door, True)])


def test_same_pass_accepted_at_two_doors_within_a_period_is_flagged(
        office: Office, bridge: SiteBridge, links: list[EdgeLink]) -> None:
    now = time.time()

    def accepted(device: str, at: float, pass_id: str) -> AccessEvent:
        return AccessEvent(id=new_event_id(), device=device, site=office.site, at=at,
                           reason=Reason.ACCEPTED.value, pass_id=pass_id, visit_id=None,
                           subject="v1", kid=None, latency_ms=5.0, detail="")

    _send(links[0], accepted(office.gate, now - 60, "00aa00aa00aa00aa"))  # honest walk:
    _send(links[1], accepted(office.door, now, "00aa00aa00aa00aa"))      # a minute apart
    _send(links[0], accepted(office.gate, now, "11bb11bb11bb11bb"))      # a copied code:
    _send(links[1], accepted(office.door, now + 3, "11bb11bb11bb11bb"))  # 3 s apart
    assert poll(lambda: bridge.stats["stored"] >= 4)
    flagged = [a for a in _alerts(office) if a[0] == "code_replayed"]
    assert len(flagged) == 1
