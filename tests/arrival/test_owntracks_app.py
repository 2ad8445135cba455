"""OwnTracks as the apps behave (booklet docs/tech/http.md): every message the app may send
gets a 2xx and a JSON array whatever the visit's state, so the phone never queues and
retries; the zero-length body is ignored; the office region carries a ``rid`` that follows
the fence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from officegate.server.bootstrap import database_session
from officegate.server.db import utcnow
from officegate.server.settings import Settings
from officegate.server.visits.models import Visit

from .conftest import Office, at_distance, basic, configure, invite, location
from .owntracks_payloads import messages
from .test_checkin import checked_in
from .test_owntracks_encrypted import decrypt, encrypt


def _set_up(client: TestClient, office: Office) -> tuple[Any, dict[str, Any]]:
    configure(client, office)
    phone = invite(client, office)
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    setup = client.post(f"/api/p/{phone.token}/owntracks")
    assert setup.status_code == 200, setup.text
    return phone, dict(setup.json())


def _every_message(setup: dict[str, Any], metres: float) -> list[tuple[str, dict[str, Any]]]:
    (region,) = setup["otrc"]["waypoints"]
    lat, lon = at_distance(metres)
    return messages(lat=lat, lon=lon, tst=int(time.time()) - 100, desc=region["desc"],
                    rid=region["rid"], wtst=region["tst"])


def _post(client: TestClient, setup: dict[str, Any], body: bytes) -> Any:
    return client.post("/owntracks", content=body,
                       headers={**basic(setup["username"], setup["password"]),
                                "Content-Type": "application/json"})


def _arrive(client: TestClient, setup: dict[str, Any], token: str,
            seal: Callable[[bytes], bytes] = lambda body: body) -> None:
    now = time.time()
    for metres, ago in ((15, 20), (10, 10)):
        fix = location(*at_distance(metres), tst=now - ago)
        assert _post(client, setup, seal(fix)).is_success
    assert client.get(f"/api/p/{token}/arrival").json()["arrived"] is True


def _end_visit(settings: Settings, visit_id: int) -> None:
    """The visit is over (as seen the evening after it)."""
    with database_session(settings) as db:
        visit = db.get(Visit, visit_id)
        assert visit is not None
        visit.starts_at, visit.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(
            hours=2)
        db.commit()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_every_message_gets_2xx_and_an_array_whatever_the_visit_state(
        client: TestClient, office: Office, settings: Settings, encrypted: bool) -> None:
    phone, setup = _set_up(client, office)
    key = setup["encryption_key"]
    states = ("on the way", "arrived", "checked in", "visit over")
    answers: dict[tuple[str, str], tuple[int, Any]] = {}
    for state in states:
        if state == "arrived":
            _arrive(client, setup, phone.token,
                    lambda body: encrypt(body, key) if encrypted else body)
        elif state == "checked in":
            phone = checked_in(client, settings, phone)
        elif state == "visit over":
            _end_visit(settings, phone.visit_id)
        for name, message in _every_message(setup, 3000):
            body = json.dumps(message).encode()
            r = _post(client, setup, encrypt(body, key) if encrypted else body)
            answers[(state, name)] = (r.status_code, r.json() if r.content else None)
        r = _post(client, setup, b"")  # a friend deleted in the app: zero-length, ignored
        answers[(state, "zero-length")] = (r.status_code, r.json() if r.content else None)
    refused = {k: v for k, v in answers.items() if not 200 <= v[0] < 300 or
               not isinstance(v[1], list)}
    assert refused == {}
    # Nothing needed after arrival: the phone is told nothing (no cmd to act on).
    late = [v[1] for k, v in answers.items() if k[0] != "on the way"]
    assert all(reply == [] for reply in late)
    # On the way, the first fix brought the office region (encrypted when the phone is).
    (cmd,) = answers[("on the way", "location/required")][1]
    cmd = decrypt(cmd, key) if encrypted else cmd
    assert cmd["action"] == "setWaypoints"


def test_a_transition_without_coordinates_is_taken_and_decides_nothing(
        client: TestClient, office: Office) -> None:
    phone, setup = _set_up(client, office)
    (region,) = setup["otrc"]["waypoints"]
    enter = {"_type": "transition", "wtst": region["tst"], "tst": int(time.time()), "acc": 10,
             "event": "enter", "desc": region["desc"], "rid": region["rid"], "t": "c"}
    r = _post(client, setup, json.dumps(enter).encode())
    assert r.status_code == 200 and r.json() == []
    assert client.get(f"/api/p/{phone.token}/arrival").json()["arrived"] is False


def test_the_region_rid_is_stable_per_fence_and_moves_with_it(
        client: TestClient, office: Office) -> None:
    phone, setup = _set_up(client, office)
    (before,) = setup["otrc"]["waypoints"]
    again = client.post(f"/api/p/{phone.token}/owntracks").json()
    assert again["otrc"]["waypoints"][0]["rid"] == before["rid"]  # same fence, same rid
    setup = again
    now = time.time()
    first = _post(client, setup, location(*at_distance(3000), tst=now - 60)).json()
    assert first[0]["waypoints"]["waypoints"][0]["rid"] == before["rid"]
    assert _post(client, setup, location(*at_distance(2900), tst=now - 55)).json() == []

    # Staff move the fence 300 m north: the next fix brings the region again, new rid.
    from .conftest import OFFICE

    configure(client, office, lat=OFFICE[0] + 300 / 111_195.0)
    moved = _post(client, setup, location(*at_distance(2800), tst=now - 50)).json()
    (region,) = moved[0]["waypoints"]["waypoints"]
    assert region["desc"] == before["desc"] and region["rid"] != before["rid"]

    # An Android phone may still watch the old region: entering it is not the office.
    def enter(rid: str, ago: float) -> dict[str, Any]:
        lat, lon = at_distance(300 + 10)
        return {"_type": "transition", "event": "enter", "lat": lat, "lon": lon, "acc": 10,
                "tst": int(now - ago), "wtst": region["tst"], "desc": region["desc"],
                "rid": rid, "t": "c"}

    assert _post(client, setup, json.dumps(enter(before["rid"], 40)).encode()).is_success
    assert client.get(f"/api/p/{phone.token}/arrival").json()["arrived"] is False
    assert _post(client, setup, json.dumps(enter(region["rid"], 30)).encode()).is_success
    assert client.get(f"/api/p/{phone.token}/arrival").json()["arrived"] is True


def test_a_day_of_fixes_never_sees_a_non_2xx(client: TestClient, office: Office,
                                             settings: Settings) -> None:
    phone, setup = _set_up(client, office)
    (region,) = setup["otrc"]["waypoints"]
    now = time.time()
    statuses: list[int] = []

    def send(message: dict[str, Any] | bytes) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        statuses.append(_post(client, setup, body).status_code)

    # The morning: a fix every 2 minutes walking in from 6 km (queued ones arrive late).
    steps = 120
    for i in range(steps):
        metres = max(5.0, 6000 - i * 60)
        tst = now - (steps - i) * 2  # back-dated so the day fits in the test
        send(location(*at_distance(metres), tst=tst, vel=5, t="t"))
        if i % 30 == 0:
            send({"_type": "lwt", "tst": int(tst)})
            send(b"")
        if metres < 80:
            send({"_type": "transition", "event": "enter", "wtst": region["tst"],
                  "tst": int(tst), "acc": 10, "desc": region["desc"], "rid": region["rid"]})
    assert client.get(f"/api/p/{phone.token}/arrival").json()["arrived"] is True
    phone = checked_in(client, settings, phone)
    for i in range(30):  # the afternoon inside, then the visit ends and the phone goes home
        if i == 15:
            _end_visit(settings, phone.visit_id)
        send(location(*at_distance(10 + i * 100), tst=time.time(), t="p"))
        if i == 20:
            send({"_type": "transition", "event": "leave", "wtst": region["tst"],
                  "tst": int(time.time()), "acc": 10, "desc": region["desc"]})
    assert len(statuses) > 150 and set(statuses) == {200}
