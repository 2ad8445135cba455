"""The MQTT bridge against a real broker: retained state out, device events in."""

from __future__ import annotations

import json
import threading
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.mqtt import publish, wait_for_message
from support.polling import wait_until

from officegate.mqtt import BrokerAddress
from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent, DeviceConfig, Revocations
from officegate.server.access.models import AccessEventRecord
from officegate.server.access.service import ingest_event
from officegate.server.app import create_app
from officegate.server.db import session_scope
from officegate.server.devices.models import Device
from officegate.server.settings import Settings

from .conftest import Office, bearer, visit_body


def _event(device: str, site: str, *, reason: str = "accepted", visit_id: int | None = None,
           pass_id: str | None = None) -> AccessEvent:
    return AccessEvent(id=uuid.uuid4().hex, device=device, site=site, at=time.time(),
                       reason=reason, pass_id=pass_id, visit_id=visit_id, subject=None, kid=None,
                       latency_ms=4.2, detail="test")


def _count(client: TestClient, event_id: str | None = None) -> int:
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]
    with sessions() as db:
        q = select(func.count()).select_from(AccessEventRecord)
        if event_id:
            q = q.where(AccessEventRecord.id == event_id)
        return int(db.scalar(q) or 0)


def test_device_config_is_published_retained(client: TestClient, office: Office,
                                             broker: BrokerAddress) -> None:
    config = DeviceConfig.from_json(wait_for_message(broker, topics.device_config(office.door)))
    assert (config.device, config.zone, config.kind, config.mode) == \
        (office.door, "floor-3", "door", "normal")
    r = client.post(f"/api/devices/{office.door}/mode", json={"mode": "locked"},
                    headers=bearer(client, office.staff))
    assert r.status_code == 200
    locked = wait_for_message(broker, topics.device_config(office.door),
                              lambda p: DeviceConfig.from_json(p).mode == "locked")
    assert DeviceConfig.from_json(locked).version == config.version + 1


def test_revocation_is_published(client: TestClient, office: Office,
                                 broker: BrokerAddress) -> None:
    made = client.post("/api/visits", headers=bearer(client, office.host),
                       json=visit_body(office)).json()
    r = client.post(f"/api/passes/{made['pass_id']}/revoke", headers=bearer(client, office.staff))
    assert r.status_code == 200
    payload = wait_for_message(broker, topics.site_revocations(office.site),
                               lambda p: made["pass_id"] in Revocations.from_json(p).pass_ids)
    assert Revocations.from_json(payload).version == r.json()["revocations_version"]


def test_same_event_twice_is_stored_once(client: TestClient, office: Office,
                                         broker: BrokerAddress) -> None:
    event = _event(office.gate, office.site)
    follower = _event(office.gate, office.site, reason="expired")
    publish(broker, topics.device_events(office.gate),
            [event.to_json(), event.to_json(), follower.to_json()])
    wait_until(lambda: _count(client, follower.id) == 1)
    assert _count(client, event.id) == 1
    assert _count(client) == 2
    bridge = client.app.state.officegate.bridge  # type: ignore[attr-defined]
    assert bridge.stats["duplicate"] >= 1


def test_bad_events_are_rejected_and_the_bridge_keeps_going(client: TestClient, office: Office,
                                                            broker: BrokerAddress) -> None:
    spoofed = _event(office.door, office.site)  # names the door, sent on the gate's topic
    bad = [b"{not json", b"\xff\xfe", b"[]", json.dumps({"id": "x"}).encode(),
           spoofed.to_json(), b"x" * 70_000]
    good = _event(office.gate, office.site)
    publish(broker, topics.device_events(office.gate), [*bad, good.to_json()])
    wait_until(lambda: _count(client, good.id) == 1)
    assert _count(client, spoofed.id) == 0
    bridge = client.app.state.officegate.bridge  # type: ignore[attr-defined]
    assert bridge.stats["rejected"] >= len(bad)
    assert bridge.connected.is_set()


def test_an_event_the_database_refuses_does_not_block_the_others(
        client: TestClient, office: Office, broker: BrokerAddress) -> None:
    """Well-formed JSON with values no column or datetime can hold: rejected, not retried
    for ever, and the good events of the same batch are stored."""
    def refused(**changes: object) -> bytes:
        d = json.loads(_event(office.gate, office.site).to_json())
        d.update(changes)
        return json.dumps(d).encode()

    bad = [refused(at=1e300), refused(at=float("nan")), refused(at=-1e12),
           refused(pass_id="ab" * 40), refused(visit_id=2**40), refused(subject="s" * 300),
           refused(detail="nul \u0000 inside")]
    first, second, later = (_event(office.gate, office.site) for _ in range(3))
    publish(broker, topics.device_events(office.gate), [first.to_json(), *bad, second.to_json()])
    wait_until(lambda: _count(client, second.id) == 1)
    assert _count(client, first.id) == 1
    publish(broker, topics.device_events(office.gate), [later.to_json()])
    wait_until(lambda: _count(client, later.id) == 1)  # the writer is not stuck
    bridge = client.app.state.officegate.bridge  # type: ignore[attr-defined]
    assert bridge.stats["rejected"] >= 3  # the times no datetime holds, on any database


def test_accepted_event_checks_the_visitor_in(client: TestClient, office: Office,
                                              broker: BrokerAddress) -> None:
    made = client.post("/api/visits", headers=bearer(client, office.host),
                       json=visit_body(office)).json()
    token = made["pass_url"].rsplit("/", 1)[1]
    event = _event(office.gate, office.site, visit_id=made["visit_id"], pass_id=made["pass_id"])
    publish(broker, topics.device_events(office.gate), [event.to_json()])
    wait_until(lambda: client.get(f"/api/p/{token}/status").json()["checked_in"])
    last = client.get(f"/api/p/{token}/status").json()["last_access"]
    assert last["device"] == office.gate and last["accepted"] is True


def test_device_status_follows_the_status_topic(client: TestClient, office: Office,
                                                broker: BrokerAddress) -> None:
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]

    def status() -> str:
        with sessions() as db:
            return db.scalar(select(Device.status).where(Device.name == office.gate)) or ""

    publish(broker, topics.device_status(office.gate), [b"online"])
    wait_until(lambda: status() == "online")
    publish(broker, topics.device_status(office.gate), [b"offline"])
    wait_until(lambda: status() == "offline")
    devices = client.get("/api/devices", headers=bearer(client, office.staff)).json()
    gate = next(d for d in devices if d["name"] == office.gate)
    assert gate["status"] == "offline" and gate["last_seen_at"] is not None


def test_events_sent_while_the_server_is_down_arrive_later(
        settings: Settings, office: Office, broker: BrokerAddress) -> None:
    # First start: the broker learns the bridge's persistent session and subscriptions.
    with TestClient(create_app(settings, broker=broker)):
        pass
    missed = _event(office.gate, office.site, reason="revoked")
    publish(broker, topics.device_events(office.gate), [missed.to_json()])
    with TestClient(create_app(settings, broker=broker)) as client:
        wait_until(lambda: _count(client, missed.id) == 1)


def test_concurrent_duplicates_store_one_row(client: TestClient, office: Office) -> None:
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]
    event = _event(office.gate, office.site)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def deliver() -> None:
        barrier.wait()
        with session_scope(sessions) as db:
            results.append(ingest_event(db=db, event=event))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert _count(client, event.id) == 1
