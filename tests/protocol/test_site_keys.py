"""Signing-key files, kids, the published key set, and key rotation."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from officegate.protocol import (
    DoorPolicy,
    KeySet,
    Reason,
    SigningKey,
    TrustedKey,
    verify,
)

from .helpers import NOW, phone_text, visitor_claims

GATE = DoorPolicy(device="gate-1", zone="lobby")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_key_file_is_owner_only_and_reloads_to_the_same_kid(tmp_path, alg):
    key = SigningKey.generate(alg)
    path = tmp_path / "site.key"
    old_umask = os.umask(0o000)  # even a careless umask must not widen the file
    try:
        key.save(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SigningKey.load(path)
    assert again.kid == key.kid and again.alg == alg
    assert again.code_key == key.code_key
    # The reloaded key signs passes the original key set accepts.
    keys = KeySet("hq", [key.trusted()], version=1)
    assert verify(phone_text(visitor_claims(), again), keys=keys, revoked=(), door=GATE,
                  now=NOW).accepted
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_saving_replaces_an_existing_file_atomically(tmp_path):
    path = tmp_path / "site.key"
    path.write_text("old and world readable")
    path.chmod(0o644)
    key = SigningKey.generate()
    key.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.load(path).kid == key.kid


def test_kid_is_sha256_of_the_public_key_info():
    key = SigningKey.generate()
    spki = key.public_key.public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key.kid == hashlib.sha256(spki).digest()[:8]
    assert SigningKey.generate().kid != key.kid


def test_secrets_stay_out_of_reprs():
    key = SigningKey.generate()
    assert key.code_key.hex() not in repr(key)
    assert key.code_key.hex() not in repr(key.trusted())
    assert "code_key" not in repr(key.trusted())


def test_load_rejects_a_file_that_is_not_a_key(tmp_path):
    path = tmp_path / "x.key"
    path.write_text("hello")
    with pytest.raises(ValueError, match="code key"):
        SigningKey.load(path)


def test_keyset_round_trips_through_json():
    a, b = SigningKey.generate("EdDSA"), SigningKey.generate("ES256")
    keys = KeySet("hq", [a.trusted(not_after=NOW + 10), b.trusted(not_before=NOW)], version=7)
    back = KeySet.from_json(keys.to_json())
    assert back.site == "hq" and back.version == 7
    assert [k.kid for k in back.keys] == [a.kid, b.kid]
    assert back.get(b.kid).not_before == NOW and back.get(a.kid).not_after == NOW + 10
    assert back.get(b"\0" * 8) is None
    assert TrustedKey.from_json(keys.keys[0].to_json()).code_key == a.code_key


@pytest.mark.parametrize("bad", [b"", b"[]", b'{"site":"hq","version":1}',
                                 b'{"site":"hq","version":"1","keys":[]}',
                                 b'{"site":"hq","version":1,"keys":[{"kid":"00"}]}',
                                 b'{"site":"hq","version":1,"keys":[{"kid":"zz","alg":"EdDSA",'
                                 b'"public_key":"x","code_key":""}]}'])
def test_keyset_json_errors_are_value_errors(bad):
    with pytest.raises(ValueError):
        KeySet.from_json(bad)


def test_rotation_both_keys_verify_and_retired_key_is_refused():
    old, new = SigningKey.generate(), SigningKey.generate("ES256")
    keys = KeySet("hq", [old.trusted(not_after=NOW + 3600), new.trusted(not_before=NOW - 60)],
                  version=2)
    for key in (old, new):
        d = verify(phone_text(visitor_claims(), key), keys=keys, revoked=(), door=GATE, now=NOW)
        assert d.accepted and d.kid == key.kid

    later = NOW + 7200  # the old key was retired an hour ago
    old_pass = phone_text(visitor_claims(), old, at=later)
    d = verify(old_pass, keys=keys, revoked=(), door=GATE, now=later)
    assert d.reason is Reason.UNKNOWN_KEY
    assert "retired" in d.detail
    new_pass = phone_text(visitor_claims(), new, at=later)
    assert verify(new_pass, keys=keys, revoked=(), door=GATE, now=later).accepted


def test_key_not_yet_in_service_is_unknown():
    key = SigningKey.generate()
    keys = KeySet("hq", [key.trusted(not_before=NOW + 60)], version=1)
    d = verify(phone_text(visitor_claims(), key), keys=keys, revoked=(), door=GATE, now=NOW)
    assert d.reason is Reason.UNKNOWN_KEY and "not in service" in d.detail
