"""Alarms reach a person: a forced door published over MQTT is stored by the bridge, shown on
every open console page (server-sent events over real HTTP) and mailed to the staff through
the server's SMTP settings; nobody answering escalates it to everyone; an acknowledgement
records who and when and stops the escalation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from support.mqtt import publish
from support.polling import wait_for
from support.receivers import MailReceiver, serving_app

from officegate.mqtt import BrokerAddress
from officegate.protocol.messages import DoorEvent
from officegate.server.alerts.jobs import run_escalation
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import database_session
from officegate.server.db import utcnow
from officegate.server.settings import Settings

from .conftest import Feed, Office, bearer, read_feed, sign_in


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serving_app(app) as url:
        yield url


@pytest.fixture
def feed(live: str, office: Office) -> Iterator[Feed]:
    """The feed a signed-in staff member's console page reads."""
    seen = Feed()
    stop = threading.Event()
    with httpx.Client(base_url=live, timeout=20) as page:
        sign_in(page, office.staff)
        thread = threading.Thread(target=read_feed, args=(page, seen, stop), daemon=True)
        thread.start()
        assert seen.connected.wait(20), "the console feed did not connect"
        yield seen
        stop.set()


def _forced(office: Office) -> DoorEvent:
    return DoorEvent.new(device=office.door, site=office.site, at=time.time(),
                         kind="door_forced_open", detail="opened without an unlock")


def _subjects(smtp: MailReceiver) -> list[tuple[str, str]]:
    return [(str(m["To"]), str(m["Subject"])) for m in smtp.messages]


def test_a_forced_door_reaches_the_feed_and_every_staff_mailbox_and_an_ack_stops_escalation(
        live: str, feed: Feed, office: Office, settings: Settings, smtp: MailReceiver,
        mqtt_broker: BrokerAddress, app: FastAPI) -> None:
    event = _forced(office)
    publish(mqtt_broker, f"officegate/devices/{office.door}/events", [event.to_json()])

    alarm = wait_for("the alarm on the live feed", lambda: feed.of("alarm"))[0]
    assert alarm["kind"] == "door_forced_open" and alarm["device"] == office.door
    assert alarm["severity"] == "critical" and alarm["url"] == f"/staff/alarms/{alarm['id']}"
    # Nobody is on the duty roster: the admin and both staff members hear of it first.
    mails = wait_for("three alarm mails", lambda: len(smtp.wait(3, timeout=0.5)) >= 3
                     and _subjects(smtp))
    assert sorted(to for to, _s in mails) == sorted([office.admin, office.staff, office.night])
    assert all(office.door in s and "こじ開け" in s for _to, s in mails)  # one language: ja
    body = smtp.messages[0].get_content()
    assert f"{settings.base_url}/staff/alarms/{alarm['id']}" in body

    # Nobody answers within the policy's minutes: up one level, to every staff member.
    with database_session(settings) as db:
        assert db.get(Alert, alarm["id"]).notified_at is not None
    later = utcnow() + timedelta(minutes=6)
    assert run_escalation(sessions=app.state.officegate.sessions, settings=settings,
                          now=later) == 1
    wait_for("the escalation mails", lambda: len(smtp.wait(6, timeout=0.5)) >= 6)
    assert all(s.startswith("[エスカレーション 1]") for _to, s in _subjects(smtp)[3:])

    with httpx.Client(base_url=live, timeout=20) as api:
        taken = api.post(f"/api/alerts/{alarm['id']}/ack", headers=bearer(api, office.night))
        assert taken.status_code == 200, taken.text
        assert taken.json()["acknowledged_by"] == office.night
        again = api.post(f"/api/alerts/{alarm['id']}/ack", headers=bearer(api, office.staff))
        assert again.json()["acknowledged_by"] == office.night  # the first one keeps it
        listed = api.get("/api/alerts", params={"open_only": True},
                         headers=bearer(api, office.staff)).json()
        assert [a["id"] for a in listed] == []
    wait_for("the acknowledgement on the feed", lambda: feed.of("alarm_ack"))
    assert run_escalation(sessions=app.state.officegate.sessions, settings=settings,
                          now=later + timedelta(hours=1)) == 0
    with database_session(settings) as db:
        row = db.scalar(select(Alert).where(Alert.id == alarm["id"]))
        assert row.level == 1 and row.acknowledged_at is not None
    assert len(smtp.messages) == 6  # nothing after the acknowledgement


def test_the_duty_roster_hears_first_and_site_targets_too(
        live: str, feed: Feed, office: Office, settings: Settings, smtp: MailReceiver,
        mqtt_broker: BrokerAddress) -> None:
    from support.receivers import running_receiver

    with running_receiver() as hook, httpx.Client(base_url=live, timeout=20) as api:
        admin = bearer(api, office.admin)
        night_id = _user_id(settings, office.night)
        bad = api.put("/api/alerts/policy", headers=admin, json={
            "escalate_minutes": 0, "on_duty": [night_id]})
        assert bad.status_code == 422
        inside = api.put("/api/alerts/policy", headers=admin, json={
            "apprise_urls": ["json://169.254.169.254/latest"], "on_duty": [night_id]})
        assert inside.status_code == 422  # the cloud metadata service is never a target
        staff_try = api.put("/api/alerts/policy", headers=bearer(api, office.staff),
                            json={"on_duty": []})
        assert staff_try.status_code == 403
        r = api.put("/api/alerts/policy", headers=admin, json={
            "escalate_minutes": 2, "apprise_urls": [hook.url("/alarms").replace("http", "json", 1)],
            "on_duty": [night_id]})
        assert r.status_code == 200, r.text
        assert r.json()["on_duty"] == [office.night] and r.json()["targets"] == ["json://…"]

        publish(mqtt_broker, f"officegate/devices/{office.door}/events",
                [_forced(office).to_json()])
        wait_for("the site's notification target", lambda: hook.wait(1, timeout=0.5))
        wait_for("the mail to the one on duty", lambda: smtp.wait(1, timeout=0.5))
    assert [str(m["To"]) for m in smtp.messages] == [office.night]
    assert office.door.encode() in hook.requests[0]["body"]


def _user_id(settings: Settings, email: str) -> int:
    from officegate.server.auth.models import User

    with database_session(settings) as db:
        return int(db.scalar(select(User.id).where(User.email == email)))


def test_two_servers_on_one_database_deliver_an_alarm_once(
        office: Office, settings: Settings, smtp: MailReceiver,
        mqtt_broker: BrokerAddress) -> None:
    from fastapi.testclient import TestClient
    from support.mqtt import forget_sessions

    from officegate.server.app import create_app
    from officegate.server.messaging.config import MessagingConfig

    mail = MessagingConfig(smtp_host="127.0.0.1", smtp_port=smtp.port,
                           mail_from="alarms@example.com")
    ids = [f"{settings.mqtt_client_id}-{n}" for n in (1, 2)]
    apps = [create_app(settings.model_copy(update={"messaging": mail, "mqtt_client_id": i}),
                       broker=mqtt_broker) for i in ids]
    try:
        with TestClient(apps[0]), TestClient(apps[1]):
            publish(mqtt_broker, f"officegate/devices/{office.door}/events",
                    [_forced(office).to_json()])
            wait_for("the alarm mails", lambda: len(smtp.wait(3, timeout=0.5)) >= 3)
            for app in apps:  # each dispatcher looks again after the mails: no second claim
                hub = app.state.officegate.runtime.console
                seen = hub.dispatcher.stats["polls"]
                wait_for("another poll", lambda h=hub, s=seen: h.dispatcher.stats["polls"] > s)
            claims = [app.state.officegate.runtime.console.dispatcher.stats["delivered"]
                      for app in apps]
    finally:
        forget_sessions(mqtt_broker, ids)
    assert sorted(claims) == [0, 1]  # one server claimed the alarm, the other saw it taken
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(
        [office.admin, office.staff, office.night])  # once each, not once per server


def test_an_alarm_reaches_a_staff_phone_by_web_push(
        live: str, office: Office, mqtt_broker: BrokerAddress) -> None:
    import base64
    import json
    import os

    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from support.receivers import running_receiver

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    phone_key = ec.generate_private_key(ec.SECP256R1())  # what the browser makes
    auth = os.urandom(16)
    with running_receiver() as push_service, httpx.Client(base_url=live, timeout=20) as api:
        sub = {"endpoint": push_service.url("/push/send/staff-phone"), "keys": {
            "p256dh": b64(phone_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)),
            "auth": b64(auth)}}
        r = api.post("/api/notify/targets", headers=bearer(api, office.night),
                     json={"kind": "webpush", "subscription": sub})
        assert r.status_code == 201, r.text
        publish(mqtt_broker, f"officegate/devices/{office.door}/events",
                [_forced(office).to_json()])
        (push,) = wait_for("the push message", lambda: push_service.wait(1, timeout=0.5))
    message = json.loads(http_ece.decrypt(push["body"], private_key=phone_key,
                                          auth_secret=auth, version="aes128gcm"))
    assert message["type"] == "alarm" and message["kind"] == "door_forced_open"
    assert message["url"].startswith("/staff/alarms/") and office.door in message["title_en"]
    assert "こじ開け" in message["title_ja"]  # the phone shows its own language
