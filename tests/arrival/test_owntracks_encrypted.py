"""OwnTracks payload encryption: the phone's secretbox payloads (built here the way the apps
build them, with libsodium directly) are opened with the person's key, replies go back
encrypted, and wrong keys, garbage and plain forgeries get a 400 and change nothing."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from nacl.bindings import crypto_secretbox, crypto_secretbox_open
from sqlalchemy import select

from officegate.mqtt import BrokerAddress
from officegate.server.arrival.encryption import SecretSeal, open_payload, payload_key
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.bootstrap import database_session
from officegate.server.settings import Settings

from .conftest import (
    Office,
    Receiver,
    at_distance,
    basic,
    bearer,
    configure,
    invite,
    location,
    owntracks_app,
)


def app_key(secret: str) -> bytes:
    """The key as the apps and the Recorder make it: UTF-8 bytes in a zeroed 32-byte buffer."""
    key = bytearray(32)
    raw = secret.encode()[:32]
    key[:len(raw)] = raw
    return bytes(key)


def encrypt(payload: bytes, secret: str) -> bytes:
    """An OwnTracks ``encrypted`` message: base64(nonce || crypto_secretbox(payload))."""
    nonce = os.urandom(24)
    box = crypto_secretbox(payload, nonce, app_key(secret))
    return json.dumps({"_type": "encrypted",
                       "data": base64.b64encode(nonce + box).decode()}).encode()


def decrypt(message: dict[str, Any], secret: str) -> dict[str, Any]:
    """What the app does with an ``encrypted`` reply."""
    assert message["_type"] == "encrypted" and set(message) == {"_type", "data"}
    raw = base64.b64decode(message["data"])
    return dict(json.loads(crypto_secretbox_open(raw[24:], raw[:24], app_key(secret))))


def _setup(client: TestClient, office: Office, receiver: Receiver | None = None
           ) -> tuple[str, dict[str, Any]]:
    configure(client, office)
    if receiver is not None:
        r = client.post("/api/notify/targets", headers=bearer(client, office.host),
                        json={"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/h"})
        assert r.status_code == 201, r.text
    phone = invite(client, office)
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    setup = client.post(f"/api/p/{phone.token}/owntracks")
    assert setup.status_code == 200, setup.text
    return phone.token, dict(setup.json())


def test_the_config_link_carries_a_fresh_key_stored_sealed(
        client: TestClient, office: Office, settings: Settings) -> None:
    token, setup = _setup(client, office)
    key = setup["encryption_key"]
    assert len(key.encode()) == 32  # all of it is key: nothing cut, no zero padding
    inline = json.loads(base64.b64decode(unquote(setup["config_link"].split("inline=", 1)[1])))
    assert inline == setup["otrc"] and inline["encryptionKey"] == key
    assert inline["_type"] == "configuration" and inline["password"] == setup["password"]
    with database_session(settings) as db:
        sealed = db.scalar(select(ArrivalTrack.owntracks_key_sealed).where(
            ArrivalTrack.owntracks_user == setup["username"]))
    assert sealed and key not in sealed and key not in base64.b64decode(sealed).decode("latin1")
    assert SecretSeal("some other server").open(sealed) is None  # a db dump is not enough
    again = client.post(f"/api/p/{token}/owntracks").json()
    assert again["encryption_key"] != key  # setting up again replaces the key


def test_key_is_the_secret_cut_or_zero_padded_to_32_bytes() -> None:
    for secret in ("short", "x" * 40, "鍵" * 12):  # 5, 40 and 36 UTF-8 bytes
        assert payload_key(secret) == app_key(secret)
        message = json.loads(encrypt(b'{"_type":"lwt","tst":1700000000}', secret))
        assert json.loads(open_payload(message["data"], secret)) == {"_type": "lwt",
                                                                     "tst": 1700000000}
    # Only the first 32 bytes count, as in the apps: a longer secret with the same start
    # opens it too.
    message = json.loads(encrypt(b"{}", "y" * 32 + "tail"))
    assert open_payload(message["data"], "y" * 32 + "other") == b"{}"


def test_encrypted_http_mode_arrives_and_replies_encrypted(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    token, setup = _setup(client, office, receiver)
    auth, key = basic(setup["username"], setup["password"]), setup["encryption_key"]
    now = time.time()
    first = client.post("/owntracks", headers=auth,
                        content=encrypt(location(*at_distance(3000), tst=now - 120), key))
    assert first.status_code == 200, first.text
    (sealed_cmd,) = first.json()
    cmd = decrypt(sealed_cmd, key)
    assert cmd["_type"] == "cmd" and cmd["action"] == "setWaypoints"
    assert cmd["waypoints"]["waypoints"][0]["rad"] == 80

    near = client.post("/owntracks", headers=auth,
                       content=encrypt(location(*at_distance(600), tst=now - 60, vel=18), key))
    assert near.status_code == 200 and near.json() == []
    (notice,) = receiver.wait(1)
    assert "approaching" in json.loads(notice["body"])["message"]
    enter = {"_type": "transition", "event": "enter", "lat": at_distance(20)[0],
             "lon": at_distance(20)[1], "acc": 15, "tst": int(now - 5), "wtst": 1700000000,
             "desc": "OfficeGate Test Tower", "t": "c"}
    r = client.post("/owntracks", headers=auth, content=encrypt(json.dumps(enter).encode(), key))
    assert r.status_code == 200, r.text
    assert client.get(f"/api/p/{token}/arrival").json()["arrived"] is True


def test_wrong_key_garbage_and_plain_forgeries_get_400_and_change_nothing(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    token, setup = _setup(client, office, receiver)
    auth, key = basic(setup["username"], setup["password"]), setup["encryption_key"]
    # The phone has spoken encrypted once (far away: nothing decided yet).
    far = client.post("/owntracks", headers=auth,
                      content=encrypt(location(*at_distance(5000)), key))
    assert far.status_code == 200, far.text
    before = client.get(f"/api/p/{token}/arrival").json()
    inside = location(*at_distance(5))
    good = json.loads(encrypt(inside, key))["data"]
    flipped = base64.b64decode(good)
    flipped = flipped[:-1] + bytes([flipped[-1] ^ 1])
    cases = [
        (encrypt(inside, "not the key"), "cannot_decrypt"),
        (encrypt(inside, key[:-1] + ("A" if key[-1] != "A" else "B")), "cannot_decrypt"),
        (json.dumps({"_type": "encrypted",
                     "data": base64.b64encode(flipped).decode()}).encode(), "cannot_decrypt"),
        (b'{"_type":"encrypted","data":"%%% not base64 %%%"}', "cannot_decrypt"),
        (b'{"_type":"encrypted","data":"c2hvcnQ="}', "cannot_decrypt"),
        (b'{"_type":"encrypted"}', "cannot_decrypt"),
        (b'{"_type":"encrypted","data":42}', "cannot_decrypt"),
        (encrypt(encrypt(inside, key), key), "cannot_decrypt"),
        (encrypt(b"{not json", key), "bad_location"),
        (encrypt(location(91.0, 139.0), key), "bad_location"),
        (inside, "encryption_required"),  # plain, under the name of a phone that encrypts
    ]
    for payload, code in cases:
        for _ in range(2):  # the same inside fix twice would arrive, were it taken
            r = client.post("/owntracks", headers=auth, content=payload)
            assert r.status_code == 400, (payload[:60], r.status_code, r.text)
            assert r.json()["detail"]["code"] == code, (payload[:60], r.text)
            assert r.json()["detail"]["message_ja"] and "Traceback" not in r.text
    assert client.get(f"/api/p/{token}/arrival").json() == before
    assert receiver.requests == []
    # Still fine with the right key.
    r = client.post("/owntracks", headers=auth, content=encrypt(location(*at_distance(4000)), key))
    assert r.status_code == 200, r.text


def test_a_replaced_key_no_longer_opens(client: TestClient, office: Office) -> None:
    token, setup = _setup(client, office)
    again = client.post(f"/api/p/{token}/owntracks").json()
    old = client.post("/owntracks", headers=basic(again["username"], again["password"]),
                      content=encrypt(location(*at_distance(3000)), setup["encryption_key"]))
    assert old.status_code == 400 and old.json()["detail"]["code"] == "cannot_decrypt"


def test_encrypted_mqtt_mode_arrives_and_gets_an_encrypted_cmd(
        client: TestClient, office: Office, mqtt_broker: BrokerAddress) -> None:
    token, setup = _setup(client, office)
    user, key = setup["username"], setup["encryption_key"]
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    with owntracks_app(client, mqtt_broker, user) as app:
        now = time.time()
        rejected = hub.owntracks.stats["rejected"]
        app.send(encrypt(location(*at_distance(10), tst=now - 40), "a stranger's key"))
        app.send(encrypt(location(*at_distance(700), tst=now - 30), key))
        enter = {"_type": "transition", "event": "enter", "lat": at_distance(10)[0],
                 "lon": at_distance(10)[1], "acc": 10, "tst": int(now - 2),
                 "wtst": 1700000000, "desc": "OfficeGate Test Tower", "t": "c"}
        app.send(encrypt(json.dumps(enter).encode(), key), "/event")
        state = app.arrival_once_commanded(client, token, 15)
        assert state["approached"] and state["arrived"]
        assert decrypt(app.cmds[0], key)["action"] == "setWaypoints"
        assert hub.owntracks.stats["rejected"] == rejected + 1  # the stranger's message
