"""Signing keys: sealed in the database under a key-encryption key readable by the owner
only, shared by every server of the site; rotation with a new kid."""

from __future__ import annotations

import base64
import stat
import time

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
from officegate.server.bootstrap import database_session
from officegate.server.keys.models import ServerSecret, SigningKeyRecord
from officegate.server.settings import Settings

from .conftest import PHONE_ID, Office, bearer, token_of, visit_body


def test_keys_are_sealed_in_the_database_and_the_kek_is_the_owners_only(
        client: TestClient, settings: Settings) -> None:
    kek = settings.data_dir / "key-encryption.key"
    assert stat.S_IMODE(kek.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    with database_session(settings) as db:
        rows = list(db.scalars(select(SigningKeyRecord)))
        secrets = list(db.scalars(select(ServerSecret)))
    assert len(rows) == 1 and rows[0].sealed is not None
    assert b"PRIVATE KEY" not in rows[0].sealed  # sealed, not stored in the clear
    assert {s.name for s in secrets} == {"session", "vapid"}
    assert all(b"PRIVATE KEY" not in s.sealed for s in secrets)
    assert not list(settings.data_dir.glob("keys/*.key"))  # no key files any more


def test_rotation_keeps_old_passes_working(client: TestClient, office: Office,
                                           broker: BrokerAddress, settings: Settings) -> None:
    host, admin = bearer(client, office.host), bearer(client, office.admin)
    old = client.post("/api/visits", headers=host, json=visit_body(office)).json()
    before = client.get("/api/keys", headers=admin).json()
    r = client.post("/api/keys/rotate", headers=admin)
    assert r.status_code == 200
    new_kid = r.json()["kid"]
    assert new_kid != before[0]["kid"]
    keyset = KeySet.from_json(wait_for_message(
        broker, topics.site_keys(office.site),
        lambda p: len(KeySet.from_json(p).keys) == 2))
    assert {k.kid.hex() for k in keyset.keys} == {before[0]["kid"], new_kid}
    new = client.post("/api/visits", headers=host, json=visit_body(office)).json()
    door = DoorPolicy(device=office.door, zone="floor-3")
    now = time.time() + 6 * 60
    for made, kid in ((old, before[0]["kid"]), (new, new_kid)):
        opened = client.post(f"/api/p/{token_of(made['pass_url'])}/open",
                             json={"device_id": PHONE_ID}).json()
        cose = parse_text(opened["pass_text_static"]).cose
        code = rotating_code(base64.b64decode(opened["code_secret"]), now)
        decision = verify(rotating_text(cose, code), keys=keyset, revoked=(), door=door,
                          now=now)
        assert decision.reason is Reason.ACCEPTED, decision.detail
        assert decision.kid is not None and decision.kid.hex() == kid
    current = [k for k in client.get("/api/keys", headers=admin).json() if k["current"]]
    assert [k["kid"] for k in current] == [new_kid]
