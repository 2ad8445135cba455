"""Both location sources end to end: the pass page's Geolocation (consent, visit day only,
until arrival) and OwnTracks in MQTT mode over the real broker."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress
from officegate.server.db import utcnow
from officegate.server.journey import JourneyEvent

from .conftest import Office, at_distance, bearer, configure, invite, location, owntracks_app


def _fix(client: TestClient, token: str, metres: float, *, acc: float = 10,
         at: float | None = None) -> dict:  # type: ignore[type-arg]
    lat, lon = at_distance(metres)
    r = client.post(f"/api/p/{token}/location",
                    json={"lat": lat, "lon": lon, "acc": acc, "at": at or time.time()})
    return {"status": r.status_code, **(r.json() if r.headers.get("content-type", "").startswith(
        "application/json") else {})}


def test_browser_location_needs_consent_and_one_bad_fix_does_not_arrive(
        client: TestClient, office: Office) -> None:
    configure(client, office)
    heard: list[JourneyEvent] = []
    client.app.state.officegate.journey.subscribe("*", heard.append)  # type: ignore[attr-defined]
    phone = invite(client, office)
    state = client.get(f"/api/p/{phone.token}/arrival").json()
    assert state["share_location"] is True and state["consent"] is False
    assert _fix(client, phone.token, 500)["status"] == 403  # no consent, nothing taken
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200

    now = time.time()
    assert _fix(client, phone.token, 2000, at=now - 100)["approached"] is False
    assert _fix(client, phone.token, 900, at=now - 40)["approached"] is True
    # One fix inside, then the next puts the phone 400 m away: GPS noise, not an arrival.
    assert _fix(client, phone.token, 10, at=now - 30)["arrived"] is False
    assert _fix(client, phone.token, 400, at=now - 25)["arrived"] is False
    # A vague fix inside (accuracy 300 m) decides nothing either.
    assert _fix(client, phone.token, 5, acc=300, at=now - 20)["arrived"] is False
    assert _fix(client, phone.token, 15, at=now - 10)["arrived"] is False
    assert _fix(client, phone.token, 12, at=now - 5)["arrived"] is True
    kinds = [e.kind for e in heard if e.kind in ("approaching", "arrived")]
    assert kinds == ["approaching", "arrived"]
    eta = next(e for e in heard if e.kind == "approaching").data["eta_s"]
    assert 0 < eta < 60 * 15
    state = client.get(f"/api/p/{phone.token}/arrival").json()
    assert state["share_location"] is False and state["why_not"] == "already_arrived"
    assert _fix(client, phone.token, 10)["status"] == 409  # nothing more is taken
    # At the building for 11 minutes and still not checked in: the host is told once.
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    hub.sweep(utcnow() + timedelta(minutes=11))
    hub.sweep(utcnow() + timedelta(minutes=12))
    notices = client.get("/api/notify/notices", headers=bearer(client, office.host)).json()
    assert [n["kind"] for n in notices] == ["waiting", "arrived", "approaching"]
    for bad in ({"lat": 95, "lon": 0, "acc": 5, "at": now}, {"lat": 0, "lon": 0, "acc": 5},
                {"lat": "x", "lon": 0, "acc": 5, "at": now}):
        r = client.post(f"/api/p/{phone.token}/location", json=bad)
        assert r.status_code in (409, 422), r.text


def test_browser_location_only_on_the_visit_day(client: TestClient, office: Office) -> None:
    configure(client, office)
    phone = invite(client, office, starts_in=timedelta(days=2))
    state = client.get(f"/api/p/{phone.token}/arrival").json()
    assert state["share_location"] is False and state["why_not"] == "not_visit_day"
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 409
    future = _fix(client, phone.token, 10, at=time.time() + 3600)
    assert future["status"] == 422


def test_owntracks_mqtt_mode_arrives_and_gets_the_region(
        client: TestClient, office: Office, mqtt_broker: BrokerAddress) -> None:
    configure(client, office)
    phone = invite(client, office)
    client.post(f"/api/p/{phone.token}/arrival/consent")
    user = client.post(f"/api/p/{phone.token}/owntracks").json()["username"]
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    with owntracks_app(client, mqtt_broker, user) as app:
        now = time.time()
        app.send(location(*at_distance(700), tst=now - 30))
        app.send(b"{broken")
        enter = {"_type": "transition", "event": "enter", "lat": at_distance(10)[0],
                 "lon": at_distance(10)[1], "acc": 10, "tst": int(now - 2), "wtst": 1700000000,
                 "desc": "OfficeGate Test Tower", "t": "c"}
        app.send(json.dumps(enter), "/event")
        state = app.arrival_once_commanded(client, phone.token, 10)
        assert state["approached"] and state["arrived"]
        assert app.cmds[0]["action"] == "setWaypoints"
        assert hub.owntracks.stats["rejected"] >= 1  # the broken message, dropped
