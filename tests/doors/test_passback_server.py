"""Anti-passback reconciled at the server: entries and exits from every gate of a group are
tracked, relayed to the other gates, and a double entry (gates that could not hear each
other) raises a staff alert."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from fleet.conftest import Office, edge_link, staff_login
from sqlalchemy import select
from support.polling import poll

from officegate.edge.cache import EdgeCache
from officegate.edge.link import EdgeLink
from officegate.edge.passback import PassbackLedger
from officegate.mqtt import BrokerAddress
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.server.access import passback
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import database_session

PASS_ID = "a1b2c3d4e5f60718"


def _passed(link: EdgeLink, office: Office, at: float) -> None:
    link.outbox.put(AccessEvent(
        id=new_event_id(), device=link.device, site=office.site, at=at, reason="accepted",
        pass_id=PASS_ID, visit_id=None, subject="v1", kid=None, latency_ms=12.0, detail=""))
    link.wake()


def _inside(office: Office, group: str) -> list[str]:
    with database_session(office.settings) as db:
        return passback.inside(db=db, group=group)


def _alerts(office: Office) -> list[tuple[str, str | None]]:
    with database_session(office.settings) as db:
        return [(a.kind, a.device) for a in db.scalars(select(Alert).order_by(Alert.id))]


def _group_gates(client: TestClient, office: Office, group: str) -> None:
    """Staff make the gate the entry and the door the exit of anti-passback ``group``."""
    staff_login(client, office.staff)
    for name, side in ((office.gate, "entry"), (office.door, "exit")):
        r = client.patch(f"/api/devices/{name}/rules",
                         json={"side": side, "anti_passback_group": group})
        assert r.status_code == 200, r.text


def test_entries_and_exits_are_reconciled_and_relayed(
        office: Office, client: TestClient, mqtt_broker: BrokerAddress, tmp_path: Path) -> None:
    group = f"lobby-{office.site}"
    _group_gates(client, office, group)
    links, ledgers = [], []
    for name in (office.gate, office.door):
        link = edge_link(tmp_path, mqtt_broker, name, office.site)
        ledger = PassbackLedger(EdgeCache(tmp_path / f"{name}-cache"))
        link.commands["passback"] = ledger.apply
        link.start()
        links.append(link)
        ledgers.append(ledger)
    entry, exit_ = links
    try:
        # Relays are commands, not retained: both gates must be subscribed first (a real gate
        # keeps a persistent session, so later relays wait for it at the broker).
        assert all(link.wait_connected(30) for link in links)
        now = time.time()
        ledgers[0].passed(PASS_ID, "entry", now)  # what the entry gate's agent records
        _passed(entry, office, now)
        assert poll(lambda: _inside(office, group) == [PASS_ID])
        # The exit gate hears of the entry (it did not see it itself).
        assert poll(lambda: PASS_ID in ledgers[1].inside)

        _passed(entry, office, now + 5)  # entered again: the gates could not stop it
        assert poll(lambda: ("anti_passback", office.gate) in _alerts(office))

        _passed(exit_, office, now + 60)
        assert poll(lambda: _inside(office, group) == [])
        assert poll(lambda: PASS_ID not in ledgers[0].inside)  # the entry gate learns
    finally:
        for link in links:
            link.stop()
    assert [k for k, _d in _alerts(office)].count("anti_passback") == 1

