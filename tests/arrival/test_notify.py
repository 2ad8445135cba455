"""Host notifications: Web Push (decrypted here, VAPID JWT checked), the fallback contact
when a notice is not acknowledged, the live feed, and refused targets."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from datetime import timedelta

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi.testclient import TestClient

from officegate.server.db import utcnow
from officegate.server.notify.feed import LiveFeed

from .conftest import Office, Receiver, at_distance, bearer, configure, invite


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _approach(client: TestClient, token: str) -> None:
    assert client.post(f"/api/p/{token}/arrival/consent").status_code == 200
    lat, lon = at_distance(500)
    r = client.post(f"/api/p/{token}/location",
                    json={"lat": lat, "lon": lon, "acc": 12, "at": time.time()})
    assert r.status_code == 200 and r.json()["approached"] is True, r.text


def test_web_push_is_encrypted_for_the_browser_and_signed_with_vapid(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    configure(client, office)
    # What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret.
    browser_key = ec.generate_private_key(ec.SECP256R1())
    p256dh = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    sub = {"endpoint": receiver.url("/push/send/abc123"),
           "keys": {"p256dh": _b64url(p256dh), "auth": _b64url(auth)}}
    host = bearer(client, office.host)
    r = client.post("/api/notify/targets", headers=host,
                    json={"kind": "webpush", "subscription": sub})
    assert r.status_code == 201, r.text
    server_key = client.get("/api/notify/vapid").json()["public_key"]

    phone = invite(client, office)
    _approach(client, phone.token)
    (push,) = receiver.wait(1)
    assert push["path"] == "/push/send/abc123"
    headers = {k.lower(): v for k, v in push["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
    message = json.loads(http_ece.decrypt(push["body"], private_key=browser_key,
                                          auth_secret=auth, version="aes128gcm"))
    assert message["kind"] == "approaching" and "Hanako" in message["title_en"]
    assert "まもなく到着" in message["title_ja"]

    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert fields["k"] == server_key
    head, claims, signature = fields["t"].split(".")
    claims_json = json.loads(_unb64url(claims))
    assert claims_json["aud"] == f"http://127.0.0.1:{receiver.port}"
    assert claims_json["exp"] > time.time() and claims_json["sub"].startswith("mailto:")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64url(server_key))
    raw = _unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged


def test_a_push_subscription_the_service_says_is_gone_is_dropped(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    configure(client, office)
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    host = bearer(client, office.host)
    sub = {"endpoint": receiver.url("/push/gone/1"),
           "keys": {"p256dh": _b64url(key), "auth": _b64url(os.urandom(16))}}
    assert client.post("/api/notify/targets", headers=host,
                       json={"kind": "webpush", "subscription": sub}).status_code == 201
    _approach(client, invite(client, office).token)
    receiver.wait(1)
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    assert hub.notifier.drain()
    deadline = time.monotonic() + 10
    while client.get("/api/notify/targets", headers=host).json() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get("/api/notify/targets", headers=host).json() == []


def test_fallback_contact_gets_unacknowledged_notices_only(
        client: TestClient, office: Office, receiver: Receiver) -> None:
    configure(client, office)
    host = bearer(client, office.host)
    r = client.put("/api/notify/prefs", headers=host,
                   json={"fallback_url": f"json://127.0.0.1:{receiver.port}/fallback",
                         "ack_minutes": 5})
    assert r.status_code == 200, r.text
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    first, second = invite(client, office), invite(client, office, name="Ken Ito",
                                                   email="ken@example.org")
    _approach(client, first.token)
    _approach(client, second.token)
    notices = client.get("/api/notify/notices", headers=host).json()
    assert [n["kind"] for n in notices] == ["approaching", "approaching"]
    ken = next(n for n in notices if "Ken" in n["title_en"])
    assert client.post(f"/api/notify/notices/{ken['id']}/ack", headers=host).status_code == 200
    hub.sweep(utcnow() + timedelta(minutes=2))
    assert hub.notifier.drain() and receiver.requests == []  # not yet due
    hub.sweep(utcnow() + timedelta(minutes=6))
    (escalated,) = receiver.wait(1)
    body = json.loads(escalated["body"])
    assert "Hanako" in body["title"] and "no answer" in body["title"]
    hub.sweep(utcnow() + timedelta(minutes=20))
    assert hub.notifier.drain() and len(receiver.requests) == 1  # escalated once


def test_bad_targets_are_refused(client: TestClient, office: Office) -> None:
    host = bearer(client, office.host)
    for body in ({"kind": "apprise", "url": "not a url"},
                 {"kind": "apprise", "url": "nosuchscheme://x"},
                 {"kind": "webpush", "subscription": {"endpoint": "ftp://x"}},
                 {"kind": "webpush"}, {"kind": "sms", "url": "x"}):
        r = client.post("/api/notify/targets", headers=host, json=body)
        assert r.status_code == 422, (body, r.text)
    assert client.get("/api/notify/targets", headers=host).json() == []
    assert client.get("/api/notify/notices").status_code == 401


def test_live_feed_delivers_to_the_hosts_open_pages_only() -> None:
    feed = LiveFeed()

    async def scenario() -> list[str]:
        stream = feed.stream(7)
        assert await anext(stream) == ": connected\n\n"
        assert feed.publish(8, {"id": 1}) == 0  # another host's page is not open
        assert feed.listeners(7) == 1
        feed.publish(7, {"id": 2, "title_en": "arrived"})
        chunk = await asyncio.wait_for(anext(stream), 5)
        await stream.aclose()
        return [chunk]

    (chunk,) = asyncio.run(scenario())
    assert chunk.startswith("event: notice\nid: 2\n") and '"arrived"' in chunk
    assert feed.listeners(7) == 0
