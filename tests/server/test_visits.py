"""Invitation -> pass link -> the visitor's phone opens it -> the pass works at the door."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from support.mqtt import wait_for_message

from officegate.mqtt import BrokerAddress
from officegate.protocol import (
    DoorPolicy,
    KeySet,
    Reason,
    parse_text,
    rotating_code,
    rotating_text,
    topics,
    verify,
)
from officegate.server.visits.models import VisitorPass

from .conftest import Office, bearer, token_of, visit_body

PHONE = "phone-0123456789abcdef"
FRIEND = "phone-fedcba9876543210"


def _invite(client: TestClient, office: Office) -> dict[str, str]:
    r = client.post("/api/visits", headers=bearer(client, office.host), json=visit_body(office))
    assert r.status_code == 201, r.text
    return r.json()


def test_invitation_gives_a_link_with_32_char_token(client: TestClient, office: Office) -> None:
    made = _invite(client, office)
    assert made["pass_url"].startswith("http://testserver/p/")
    token = token_of(made["pass_url"])
    assert len(token) == 32 and token.replace("-", "").replace("_", "").isalnum()


def test_link_binds_to_the_first_phone(client: TestClient, office: Office) -> None:
    token = token_of(_invite(client, office)["pass_url"])
    first = client.post(f"/api/p/{token}/open", json={"device_id": PHONE})
    assert first.status_code == 200
    body = first.json()
    assert body["visitor_name"] == "佐藤 花子 Hanako Sato"
    assert body["host_name"] == "Hana Host" and body["site_name"] == "Test Tower"
    assert body["prefix"] == "OG1R" and body["code_period"] == 10 and body["code_digits"] == 8
    assert body["pass_text_static"] == "OG1S" + body["cose_b45"]
    assert len(base64.b64decode(body["code_secret"])) == 32
    again = client.post(f"/api/p/{token}/open", json={"device_id": PHONE})
    assert again.json() == body
    forwarded = client.post(f"/api/p/{token}/open", json={"device_id": FRIEND})
    assert forwarded.status_code == 409
    detail = forwarded.json()["detail"]
    assert detail["code"] == "bound_to_other_device"
    assert "another phone" in detail["message_en"] and "別の端末" in detail["message_ja"]


def test_unknown_link_is_404_in_both_languages(client: TestClient) -> None:
    for token in ("A" * 32, "short", "../../etc/passwd"):
        r = client.post(f"/api/p/{token}/open", json={"device_id": PHONE})
        assert r.status_code == 404
        if token != "../../etc/passwd":  # that one never reaches the route
            assert "無効" in r.json()["detail"]["message_ja"]
    assert client.get("/api/p/" + "A" * 32 + "/status").status_code == 404


def test_issued_pass_opens_the_allowed_door_only(client: TestClient, office: Office,
                                                 broker: BrokerAddress) -> None:
    made = _invite(client, office)
    opened = client.post(f"/api/p/{token_of(made['pass_url'])}/open",
                         json={"device_id": PHONE}).json()
    # The edge's view: the keyset as published retained on the broker.
    keyset = KeySet.from_json(wait_for_message(broker, topics.site_keys(office.site)))
    cose = parse_text(opened["pass_text_static"]).cose
    now = time.time() + 6 * 60  # the visit starts in 5 minutes; the pass is valid already
    shown = rotating_text(cose, rotating_code(base64.b64decode(opened["code_secret"]), now))
    at_door = verify(shown, keys=keyset, revoked=(), now=now,
                     door=DoorPolicy(device=office.door, zone="floor-3"))
    assert at_door.reason is Reason.ACCEPTED, at_door.detail
    assert at_door.claims is not None and at_door.claims.visit_id == made["visit_id"]
    at_gate = verify(shown, keys=keyset, revoked=(), now=now,
                     door=DoorPolicy(device=office.gate, zone="lobby"))
    assert at_gate.accepted  # allowed by zone
    elsewhere = verify(shown, keys=keyset, revoked=(), now=now,
                       door=DoorPolicy(device="door-other", zone="floor-9"))
    assert elsewhere.reason is Reason.WRONG_DOOR


def test_revoked_pass_is_gone(client: TestClient, office: Office) -> None:
    made = _invite(client, office)
    token = token_of(made["pass_url"])
    r = client.post(f"/api/passes/{made['pass_id']}/revoke", headers=bearer(client, office.staff))
    assert r.status_code == 200
    r = client.post(f"/api/p/{token}/open", json={"device_id": PHONE})
    assert r.status_code == 410 and r.json()["detail"]["code"] == "pass_revoked"
    assert "取り消されました" in r.json()["detail"]["message_ja"]
    assert client.get(f"/api/p/{token}/status").json()["revoked"] is True
    again = client.post(f"/api/passes/{made['pass_id']}/revoke",
                        headers=bearer(client, office.staff))
    assert again.status_code == 409


def test_status_poll_of_a_fresh_pass(client: TestClient, office: Office) -> None:
    token = token_of(_invite(client, office)["pass_url"])
    status = client.get(f"/api/p/{token}/status").json()
    assert status == {"revoked": False, "expired": False, "checked_in": False,
                      "checked_in_at": None, "last_access": None}


def test_invitation_validation_gives_reasons(client: TestClient, office: Office) -> None:
    h = bearer(client, office.host)
    body = visit_body(office)
    cases = [
        ({**body, "ends_at": body["starts_at"]}, "ends_at must be after starts_at"),
        ({**body, "zones": [], "doors": []}, "at least one zone or door"),
        ({**body, "starts_at": "2030-01-01T10:00:00"}, "timezone"),
        ({**body, "visitor_name": ""}, "at least 1 character"),
        ({**body, "badge": "gold"}, "Extra inputs"),
        ({**body, "visitor_email": "nope"}, "pattern"),
    ]
    for payload, reason in cases:
        r = client.post("/api/visits", headers=h, json=payload)
        assert r.status_code == 422, payload
        assert reason in str(r.json()["detail"]), (reason, r.json())
    r = client.post("/api/visits", headers=h, json={**body, "doors": ["door-nowhere"]})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_door"
    r = client.post("/api/visits", headers=h, json={**body, "zones": ["vault"]})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_zone"


def test_hostile_bodies_get_4xx_never_500(client: TestClient, office: Office) -> None:
    h = {**bearer(client, office.host), "content-type": "application/json"}
    token = token_of(_invite(client, office)["pass_url"])
    hostile = [b"{", b"null", b"[]", b'"x"', b"1e999999", b'{"visitor_name": {"$gt": ""}}',
               b"\xff\xfe\x00garbage", b"[" * 5000 + b"]" * 5000,
               b'{"visitor_name": "a", "starts_at": "yesterday"}',
               b'{"device_id": "' + b"x" * 10_000 + b'"}']
    for payload in hostile:
        for url in ("/api/visits", f"/api/p/{token}/open", "/api/auth/token"):
            r = client.post(url, headers=h, content=payload)
            assert 400 <= r.status_code < 500, (url, payload[:40], r.status_code)
            assert "Traceback" not in r.text
    r = client.post("/api/visits", headers=h, content=b"x" * 300_000)
    assert r.status_code == 413


def test_expired_pass_is_gone(client: TestClient, office: Office) -> None:
    made = _invite(client, office)
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]
    with sessions() as db:  # the visit ended yesterday
        row = db.scalar(select(VisitorPass).where(VisitorPass.pass_id == made["pass_id"]))
        row.valid_until = datetime.now(UTC) - timedelta(days=1)
        db.commit()
    token = token_of(made["pass_url"])
    r = client.post(f"/api/p/{token}/open", json={"device_id": PHONE})
    assert r.status_code == 410 and r.json()["detail"]["code"] == "pass_expired"
    assert "有効期限" in r.json()["detail"]["message_ja"]
    assert client.get(f"/api/p/{token}/status").json()["expired"] is True
