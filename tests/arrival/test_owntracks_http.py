"""OwnTracks HTTP mode end to end: setup link, Basic auth, approach -> host notified, arrival,
and hostile input that changes nothing."""

from __future__ import annotations

import base64
import json
import logging
import time
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from .conftest import (
    Office,
    Receiver,
    at_distance,
    basic,
    bearer,
    configure,
    invite,
    location,
)


def _setup(client: TestClient, office: Office, receiver: Receiver) -> tuple[str, str, str]:
    configure(client, office)
    r = client.post("/api/notify/targets", headers=bearer(client, office.host),
                    json={"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/hook"})
    assert r.status_code == 201, r.text
    phone = invite(client, office)
    assert client.post(f"/api/p/{phone.token}/owntracks").status_code == 403  # no consent yet
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    setup = client.post(f"/api/p/{phone.token}/owntracks").json()
    return phone.token, setup["username"], setup["password"]


def test_config_link_is_owntracks_http_mode_with_the_office_region(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    token, _user, _password = _setup(client, office, receiver)
    setup = client.post(f"/api/p/{token}/owntracks").json()
    assert setup["config_link"].startswith("owntracks:///config?inline=")
    inline = unquote(setup["config_link"].split("inline=", 1)[1])
    config = json.loads(base64.b64decode(inline))  # standard base64, as the apps require
    assert config["_type"] == "configuration" and config["mode"] == 3
    assert config["url"] == "http://testserver/owntracks"
    assert config["username"] == setup["username"] and config["password"] == setup["password"]
    (region,) = config["waypoints"]
    assert region["_type"] == "waypoint" and region["rad"] == 80
    assert region["desc"].startswith("OfficeGate")


def test_approach_notifies_host_then_transition_and_fix_arrive(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    _token, user, password = _setup(client, office, receiver)
    now = time.time()
    far = at_distance(3000)
    first = client.post("/owntracks", content=location(*far, tst=now - 120),
                        headers=basic(user, password))
    assert first.status_code == 200, first.text
    (cmd,) = first.json()
    assert cmd["_type"] == "cmd" and cmd["action"] == "setWaypoints"
    assert cmd["waypoints"]["waypoints"][0]["rad"] == 80

    near = client.post("/owntracks", content=location(*at_distance(600), tst=now - 60, vel=18),
                       headers=basic(user, password))
    assert near.status_code == 200 and near.json() == []
    (notice,) = receiver.wait(1)
    body = json.loads(notice["body"])
    assert "approaching" in body["message"] and "Hanako" in body["message"]
    assert "about 2 min" in body["title"] or "約2分" in body["title"]

    enter = {"_type": "transition", "event": "enter", "lat": at_distance(20)[0],
             "lon": at_distance(20)[1], "acc": 15, "tst": int(now - 5), "wtst": 1700000000,
             "desc": "OfficeGate Test Tower", "t": "c", "tid": "OG"}
    assert client.post("/owntracks", content=json.dumps(enter),
                       headers=basic(user, password)).status_code == 200
    arrived = receiver.wait(2)
    assert len(arrived) == 2 and "arrived" in json.loads(arrived[1]["body"])["title"]


def test_hostile_owntracks_input_gets_4xx_and_changes_nothing(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    token, user, password = _setup(client, office, receiver)
    before = client.get(f"/api/p/{token}/arrival").json()
    inside = at_distance(5)
    cases = [
        (basic(user, "wrong"), location(*inside), 401),
        (basic("nobody", password), location(*inside), 401),
        ({}, location(*inside), 401),
        ({"Authorization": "Basic !!!"}, location(*inside), 401),
        (basic(user, password), b"{not json", 400),
        (basic(user, password), b"[1, 2]", 400),
        (basic(user, password), location(91.0, 139.0), 400),
        (basic(user, password), location(35.0, 200.0), 400),
        (basic(user, password), location(*inside, acc=-5), 400),
        (basic(user, password), json.dumps({"_type": "location", "lat": "35", "lon": 139,
                                            "tst": int(time.time())}).encode(), 400),
        (basic(user, password), json.dumps({"_type": "transition", "event": "dance",
                                            "lat": inside[0], "lon": inside[1], "acc": 5,
                                            "tst": int(time.time()), "wtst": 1}).encode(), 400),
    ]
    for headers, payload, status in cases:
        r = client.post("/owntracks", content=payload, headers=headers)
        assert r.status_code == status, (payload[:80], r.status_code, r.text)
        assert "Traceback" not in r.text
    assert client.get(f"/api/p/{token}/arrival").json() == before
    assert receiver.requests == []
    # Messages OwnTracks sends that are not locations are accepted and ignored.
    lwt = client.post("/owntracks", content=b'{"_type":"lwt","tst":1700000000}',
                      headers=basic(user, password))
    assert lwt.status_code == 200 and lwt.json() == []


def test_a_fix_from_a_phone_clock_ahead_is_ignored_with_2xx_not_retried(
        client: TestClient, office: Office, receiver: Receiver,
        caplog: pytest.LogCaptureFixture) -> None:
    """A phone whose clock runs an hour ahead: OwnTracks would queue a non-2xx and send it
    again all day, so the fix is answered ``[]`` and ignored; the log says how far ahead,
    not who or where."""
    token, user, password = _setup(client, office, receiver)
    before = client.get(f"/api/p/{token}/arrival").json()
    inside = at_distance(5)
    caplog.set_level(logging.INFO, logger="officegate.server.arrival")
    for payload in (location(*inside, tst=time.time() + 3600),
                    json.dumps({"_type": "transition", "event": "enter", "lat": inside[0],
                                "lon": inside[1], "acc": 5, "tst": int(time.time()) + 3600,
                                "wtst": 1, "desc": "OfficeGate Test"}).encode()):
        r = client.post("/owntracks", content=payload, headers=basic(user, password))
        assert r.status_code == 200 and r.json() == [], r.text
    assert client.get(f"/api/p/{token}/arrival").json() == before  # not taken as arriving
    assert receiver.requests == []
    logged = [rec.getMessage() for rec in caplog.records if "ahead" in rec.getMessage()]
    assert len(logged) == 2
    assert not any(user in m or f"{inside[0]:.3f}"[:6] in m for m in logged), logged
    # Within the drift allowed, the same fix counts.
    r = client.post("/owntracks", content=location(*inside, tst=time.time() + 60),
                    headers=basic(user, password))
    assert r.status_code == 200
    assert client.get(f"/api/p/{token}/arrival").json() != before
