"""A visitor left waiting in the lobby: the host is told, then reminded at the site's interval
up to its limit, and the reminders stop as soon as someone meets the visitor (check-in
acknowledged, marked met, through the gate)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from officegate.mqtt import BrokerAddress, make_client
from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent
from officegate.server.bootstrap import database_session
from officegate.server.checkin.models import CheckIn
from officegate.server.db import utcnow
from officegate.server.settings import Settings

from .conftest import Office, Phone, Receiver, at_distance, bearer, configure, invite
from .test_checkin import checked_in


def _waiting(client: TestClient, office: Office, visit_id: int | None = None) -> list[str]:
    notices = client.get("/api/notify/notices", headers=bearer(client, office.host)).json()
    return [n["title_en"] for n in reversed(notices)
            if n["kind"] == "waiting" and visit_id in (None, n["visit_id"])]


def _sweep_at(client: TestClient, *minutes: float) -> None:
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    start = utcnow()
    for m in minutes:
        hub.sweep(start + timedelta(minutes=m))


def _arrive(client: TestClient, phone: Phone) -> None:
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    now = time.time()
    for metres, ago in ((10, 20), (12, 10)):
        lat, lon = at_distance(metres)
        r = client.post(f"/api/p/{phone.token}/location",
                        json={"lat": lat, "lon": lon, "acc": 8, "at": now - ago})
        assert r.status_code == 200, r.text
    assert r.json()["arrived"] is True


def test_host_is_reminded_at_the_sites_interval_up_to_its_limit(
        client: TestClient, settings: Settings, office: Office, receiver: Receiver) -> None:
    configure(client, office, lobby_wait_minutes=10, lobby_remind_minutes=15,
              lobby_reminders=2)
    r = client.post("/api/notify/targets", headers=bearer(client, office.host),
                    json={"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/hook"})
    assert r.status_code == 201, r.text
    checked_in(client, settings, invite(client, office))
    receiver.wait(1)  # "checked in"
    _sweep_at(client, 5, 11, 12, 20, 26, 27, 41, 56, 90, 200)
    assert _waiting(client, office) == [
        "佐藤 花子 Hanako Sato has been waiting 11 min",
        "Reminder: 佐藤 花子 Hanako Sato has been waiting 26 min",
        "Reminder: 佐藤 花子 Hanako Sato has been waiting 41 min",
    ]
    hooks = receiver.wait(4)
    assert len(hooks) == 4 and "Reminder" in hooks[-1]["body"].decode()


def test_a_pause_does_not_send_a_burst_of_overdue_reminders(
        client: TestClient, settings: Settings, office: Office) -> None:
    configure(client, office)  # defaults: after 10 min, then every 10 min, 3 reminders
    checked_in(client, settings, invite(client, office))
    _sweep_at(client, 11, 60, 60.5, 61)  # the server was down from 11 to 60 minutes
    assert _waiting(client, office) == [
        "佐藤 花子 Hanako Sato has been waiting 11 min",
        "Reminder: 佐藤 花子 Hanako Sato has been waiting 60 min"]


def test_reminders_stop_once_someone_meets_the_visitor(
        client: TestClient, settings: Settings, office: Office,
        mqtt_broker: BrokerAddress) -> None:
    configure(client, office)
    host = bearer(client, office.host)
    acked = checked_in(client, settings, invite(client, office, name="Acked", email="a@x.org"))
    met = checked_in(client, settings, invite(client, office, name="Met", email="m@x.org"))
    gate = checked_in(client, settings, invite(client, office, name="Gate", email="g@x.org"))
    outside = invite(client, office, name="Outside", email="o@x.org")
    _arrive(client, outside)  # at the building, not checked in yet
    checkin_notice = next(n for n in client.get("/api/notify/notices", headers=host).json()
                          if n["kind"] == "checked_in" and n["visit_id"] == acked.visit_id)
    assert client.post(f"/api/notify/notices/{checkin_notice['id']}/ack",
                       headers=host).status_code == 200

    _sweep_at(client, 11)
    assert _waiting(client, office, acked.visit_id) == []  # the host knew: nobody waits
    for phone in (met, gate, outside):
        assert len(_waiting(client, office, phone.visit_id)) == 1

    # The host meets one visitor...
    r = client.post(f"/api/visits/{met.visit_id}/met", headers=host)
    assert r.status_code == 200 and r.json()["met_at"], r.text
    # ...one goes through the lobby gate (the edge reports it over MQTT)...
    _gate_accepts(client, settings, office, mqtt_broker, gate)
    # ...and the host acknowledges the notice about the one outside.
    notice = next(n for n in client.get("/api/notify/notices", headers=host).json()
                  if n["kind"] == "waiting" and n["visit_id"] == outside.visit_id)
    assert client.post(f"/api/notify/notices/{notice['id']}/ack", headers=host).status_code == 200

    # Not met at all: the control is reminded meanwhile.
    control = checked_in(client, settings, invite(client, office, name="Nobody", email="n@x.org"))
    _sweep_at(client, 11, 21, 31, 41, 51)
    sent = {p.visit_id: len(_waiting(client, office, p.visit_id))
            for p in (acked, met, gate, outside, control)}
    assert sent == {acked.visit_id: 0, met.visit_id: 1, gate.visit_id: 1, outside.visit_id: 1,
                    control.visit_id: 4}


def test_only_the_host_or_staff_can_mark_a_visitor_met(
        client: TestClient, office: Office) -> None:
    configure(client, office)
    phone = invite(client, office)
    other = client.post(f"/api/visits/{phone.visit_id}/met",
                        headers=bearer(client, office.other_host))
    assert other.status_code == 403 and other.json()["detail"]["code"] == "not_your_visitor"
    assert client.post(f"/api/visits/{phone.visit_id}/met").status_code == 401
    assert client.post("/api/visits/999999/met",
                       headers=bearer(client, office.staff)).status_code == 404
    first = client.post(f"/api/visits/{phone.visit_id}/met", headers=bearer(client, office.staff))
    again = client.post(f"/api/visits/{phone.visit_id}/met", headers=bearer(client, office.host))
    assert first.status_code == again.status_code == 200
    assert again.json()["met_at"] == first.json()["met_at"]


def _gate_accepts(client: TestClient, settings: Settings, office: Office,
                  broker: BrokerAddress, phone: Phone) -> None:
    """The lobby gate reports an accepted pass over MQTT; wait until the server took it."""
    event = AccessEvent(id=uuid.uuid4().hex, device=office.gate, site=office.site,
                        at=time.time(), reason="accepted", pass_id=None,
                        visit_id=phone.visit_id, subject=None, kid=None, latency_ms=3.0,
                        detail="test gate")
    edge = make_client(client_id=f"edge-{uuid.uuid4().hex[:8]}", broker=broker,
                       clean_session=True)
    edge.connect(broker.host, broker.port, 30)
    edge.loop_start()
    try:
        edge.publish(topics.device_events(office.gate), event.to_json(),
                     qos=1).wait_for_publish()
    finally:
        edge.loop_stop()
        edge.disconnect()
    deadline = time.monotonic() + 15
    passed: Any = None
    while passed is None and time.monotonic() < deadline:
        with database_session(settings) as db:
            passed = db.scalar(select(CheckIn.gate_passed_at).where(
                CheckIn.visit_id == phone.visit_id))
        time.sleep(0.05)
    assert passed is not None, "the gate event did not reach the server"
