"""Fleet health a facility manager notices: heartbeats on the devices page, a door that
went offline raising an alert, and staff-only door commands logged with who gave them."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from support.polling import poll

from officegate.mqtt import BrokerAddress
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import database_session
from officegate.server.devices import health
from officegate.server.devices.service import get_device

from .conftest import Office, edge_link, staff_login


def _heartbeat(office: Office, device: str) -> dict | None:
    with database_session(office.settings) as db:
        return health.heartbeat_of(db=db, device=get_device(db=db, name=device))


def _alerts(office: Office, kind: str) -> list[Alert]:
    with database_session(office.settings) as db:
        rows = list(db.scalars(select(Alert).where(Alert.kind == kind)))
        db.expunge_all()
        return rows


def test_heartbeat_figures_show_on_the_devices_page(client: TestClient, office: Office,
                                                    mqtt_broker: BrokerAddress,
                                                    tmp_path: Path) -> None:
    link = edge_link(tmp_path, mqtt_broker, office.gate, office.site, heartbeat_seconds=1)
    link.health.frame(12.5)
    link.health.decision(40.0)
    link.start()
    try:
        assert poll(lambda: _heartbeat(office, office.gate))
        beat = _heartbeat(office, office.gate)
        assert beat is not None
        # The keyset the server published on connect reached the edge and is reported back.
        assert poll(lambda: (_heartbeat(office, office.gate) or {}).get(
            "keyset_version", 0) >= 1)
        assert beat["outbox_depth"] == 0 and beat["device"] == office.gate
        staff_login(client, office.staff)
        page = client.get("/staff/devices")
        assert page.status_code == 200 and office.gate in page.text
        # The retained "online" (QoS 1) may reach the server after a heartbeat (QoS 0) when
        # the shared broker has many retained statuses of other tests' devices to replay.
        assert poll(lambda: "オンライン" in client.get("/staff/devices").text)
        assert "keys v" in page.text
    finally:
        link.stop()


def test_devices_page_is_for_staff_only(client: TestClient, office: Office) -> None:
    r = client.get("/staff/devices", follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    staff_login(client, office.host)
    assert client.get("/staff/devices", follow_redirects=False).status_code == 403


def test_door_offline_too_long_raises_an_alert_then_resolves(
        office: Office, mqtt_broker: BrokerAddress, tmp_path: Path) -> None:
    from officegate.server.bootstrap import prepare
    from officegate.server.bridge.service import SiteBridge

    engine, sessions = prepare(office.settings)
    bridge = SiteBridge(broker=mqtt_broker, sessions=sessions, site=office.site,
                        keyring=office.settings.keyring,
                        client_id=office.settings.mqtt_client_id, offline_alert_after=0.5,
                        watch_seconds=0.2)
    bridge.start()
    link = edge_link(tmp_path, mqtt_broker, office.door, office.site, keepalive=5)
    link.start()
    try:
        assert link.wait_connected(10)
        assert poll(lambda: _status(office, office.door) == "online")
        # The Pi loses power: no DISCONNECT, the broker publishes the last will.
        link.client.loop_stop()
        sock = link.client.socket()
        assert sock is not None
        sock.close()
        assert poll(lambda: _status(office, office.door) == "offline")
        assert poll(lambda: _alerts(office, "device_offline"), timeout=20)
        alert = _alerts(office, "device_offline")[0]
        assert alert.device == office.door and alert.resolved_at is None
        bridge.check_offline()
        assert len(_alerts(office, "device_offline")) == 1  # one alert per outage
        link2 = edge_link(tmp_path / "again", mqtt_broker, office.door, office.site)
        link2.start()
        try:
            assert poll(lambda: _alerts(office, "device_back_online"))
            assert _alerts(office, "device_offline")[0].resolved_at is not None
        finally:
            link2.stop()
    finally:
        bridge.stop()
        engine.dispose()


def _status(office: Office, device: str) -> str:
    with database_session(office.settings) as db:
        return get_device(db=db, name=device).status


def test_remote_unlock_and_lockdown_are_logged_with_who(client: TestClient,
                                                        office: Office) -> None:
    staff_login(client, office.host)
    r = client.post(f"/api/devices/{office.door}/unlock", json={})
    assert r.status_code == 403  # hosts cannot open doors remotely
    client.post("/logout")
    staff_login(client, office.staff)
    r = client.post(f"/api/devices/{office.door}/unlock", json={"pulse_ms": 1500})
    assert r.status_code == 200 and r.json()["by"] == office.staff
    r = client.post("/api/site/doors", json={"action": "lockdown"})
    assert r.status_code == 200 and set(r.json()["devices"]) == {office.gate, office.door}
    r = client.post(f"/api/devices/{office.door}/unlock", json={})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "locked_down"
    assert client.post("/api/site/doors", json={"action": "open-sesame"}).status_code == 422
    unlocks = _alerts(office, "remote_unlock")
    assert [a.by_user for a in unlocks] == [office.staff]
    assert _alerts(office, "lockdown")[0].by_user == office.staff
    page = client.get("/staff/devices").text
    assert "ロックダウン" in page and office.staff in page
    assert json.loads(client.post("/api/site/doors", json={"action": "normal"}).text)[
        "devices"]
