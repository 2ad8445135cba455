"""The drink offer as a Web Push to the visitor's phone: subscribing from the pass page (only
the bound phone), the push a local push service receives (decrypted here as the browser
would), and a subscription the push service says is gone being dropped."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from support.receivers import Receiver, running_receiver

from officegate.server.db import session_scope
from officegate.server.vending.visitor_push import VisitorPushSubscription

from .conftest import Office, wait_until


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local push service: records every push; answers 410 Gone under /push/gone."""
    with running_receiver() as rec:
        yield rec


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _browser(endpoint: str) -> tuple[ec.EllipticCurvePrivateKey, bytes, dict[str, Any]]:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    p256dh = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    return key, auth, {"endpoint": endpoint, "keys": {"p256dh": _b64url(p256dh),
                                                      "auth": _b64url(auth)}}


def _invite(office: Office) -> tuple[str, str, int]:
    """A visit whose pass is open on one phone: (link token, that phone's id, visit id)."""
    start = datetime.now(UTC) + timedelta(minutes=5)
    r = office.client.post("/api/visits", headers=office.host, json={
        "visitor_name": "田中 愛子 Aiko Tanaka", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": ["lobby"]})
    assert r.status_code == 201, r.text
    token = r.json()["pass_url"].rsplit("/p/", 1)[1]
    phone = secrets.token_hex(16)
    assert office.client.post(f"/api/p/{token}/open", json={"device_id": phone}).status_code == 200
    return token, phone, int(r.json()["visit_id"])


def _stored(office: Office, visit_id: int) -> list[str]:
    with session_scope(office.client.app.state.officegate.sessions) as db:  # type: ignore[attr-defined]
        return [json.loads(s.address)["endpoint"] for s in db.scalars(
            select(VisitorPushSubscription).where(VisitorPushSubscription.visit_id == visit_id))]


def test_only_the_bound_phone_subscribes_with_a_real_subscription(
        office: Office, receiver: Receiver) -> None:
    token, phone, visit = _invite(office)
    _key, _auth, sub = _browser(receiver.url("/push/send/one"))
    url = f"/api/p/{token}/push-subscription"
    bad = [{"device_id": phone, "subscription": {"endpoint": "ftp://x"}},
           {"device_id": phone, "subscription": {**sub, "endpoint": "http://push.example/x"}},
           {"device_id": phone, "subscription": {"endpoint": sub["endpoint"], "keys": {}}},
           {"device_id": phone}, {"device_id": phone, "subscription": sub, "extra": 1}]
    for body in bad:
        r = office.client.post(url, json=body)
        assert r.status_code == 422, (body, r.text)
    r = office.client.post(url, json={"device_id": secrets.token_hex(16), "subscription": sub})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "bound_to_other_device"
    assert "端末" in r.json()["detail"]["message_ja"]
    assert office.client.post("/api/p/" + "x" * 32 + "/push-subscription",
                              json={"device_id": phone, "subscription": sub}).status_code == 404
    assert _stored(office, visit) == []

    for _ in range(2):  # the same subscription twice is stored once
        r = office.client.post(url, json={"device_id": phone, "subscription": sub})
        assert r.status_code == 201, r.text
    assert _stored(office, visit) == [sub["endpoint"]]
    assert office.client.get("/api/notify/vapid").json()["public_key"]  # applicationServerKey

    r = office.client.request("DELETE", url, json={"device_id": secrets.token_hex(16),
                                                   "endpoint": sub["endpoint"]})
    assert r.status_code == 403 and _stored(office, visit) == [sub["endpoint"]]
    r = office.client.request("DELETE", url, json={"device_id": phone,
                                                   "endpoint": sub["endpoint"]})
    assert r.status_code == 204 and _stored(office, visit) == []


def test_drink_offer_is_pushed_in_the_visitors_language_and_a_gone_subscription_dropped(
        office: Office, receiver: Receiver) -> None:
    office.machine(office.machines[0])
    token, phone, visit = _invite(office)
    key, auth, sub = _browser(receiver.url("/push/send/phone"))
    _k2, _a2, gone = _browser(receiver.url("/push/gone/old-phone"))
    for s in (sub, gone):
        r = office.client.post(f"/api/p/{token}/push-subscription",
                               json={"device_id": phone, "subscription": s})
        assert r.status_code == 201, r.text
    other_token, other_phone, _other = _invite(office)  # another visitor, not offered a drink
    _k3, _a3, other = _browser(receiver.url("/push/send/other"))
    assert office.client.post(f"/api/p/{other_token}/push-subscription", json={
        "device_id": other_phone, "subscription": other}).status_code == 201

    office.pass_gate(visit)
    wait_until(lambda: "drink_offered" in office.kinds(visit))
    pushes = receiver.wait(2)
    assert sorted(p["path"] for p in pushes) == ["/push/gone/old-phone", "/push/send/phone"]
    push = next(p for p in pushes if p["path"] == "/push/send/phone")
    headers = {k.lower(): v for k, v in push["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid ")
    message = json.loads(http_ece.decrypt(push["body"], private_key=key, auth_secret=auth,
                                          version="aes128gcm"))
    # What the phone shows: one language, the visitor's (here the site's default, Japanese).
    assert message["title"] == "お飲み物はいかがですか？" and message["lang"] == "ja"
    assert "自動販売機" in message["body"] and "machines" not in message["body"]
    assert message["title_ja"] == "お飲み物はいかがですか？"
    assert message["title_en"] == "Would you like a drink?"
    assert "自動販売機" in message["body_ja"] and "machines" in message["body_en"]
    assert message["kind"] == "drink_offered"
    assert token not in str(message)  # the server never learnt the link back from its hash

    hub = office.client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    assert hub.notifier.drain()
    wait_until(lambda: _stored(office, visit) == [sub["endpoint"]])  # the 410 one is gone
    assert len(receiver.requests) == 2  # nothing went to the visitor not offered a drink
