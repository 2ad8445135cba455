"""Several servers, one database: signing keys (with their code keys), the session secret
and the VAPID key live sealed in the database, so a second server with an empty data folder
signs with the same key and shares the secrets; a server given another key-encryption key
refuses to start with a clear error instead of making keys of its own."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select

from officegate.protocol import SigningKey
from officegate.server.bootstrap import prepare
from officegate.server.keys import service as keys
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.keys.vault import KeyringError, make_kek
from officegate.server.settings import Settings
from officegate.server.sites.models import Site


def _server(tmp_path: Path, name: str, database_url: str, kek: str | None,
            **changes: object) -> Settings:
    return Settings(data_dir=tmp_path / name, database_url=database_url, site="shared",
                    key_encryption_key=kek, **changes)  # type: ignore[arg-type]


def _current(settings: Settings) -> tuple[str, bytes]:
    engine, sessions = prepare(settings)
    try:
        with sessions() as db:
            site = db.scalars(select(Site).where(Site.code == "shared")).one()
            record = keys.current_key_record(db=db, site=site)
            assert record is not None
            key = keys.load_signing_key(keyring=settings.keyring, record=record)
            return record.kid, key.code_key
    finally:
        engine.dispose()


def test_a_second_server_with_an_empty_data_folder_shares_keys_and_secrets(
        tmp_path: Path, database_url: str) -> None:
    kek = make_kek()
    first, second = (_server(tmp_path, n, database_url, kek) for n in ("a", "b"))
    kid_a, code_a = _current(first)
    kid_b, code_b = _current(second)
    assert (kid_b, code_b) == (kid_a, code_a)  # same key: no rotation, no retirement
    assert first.secret_key and first.secret_key == second.secret_key
    assert (tmp_path / "a" / "vapid_private.pem").read_bytes() == \
        (tmp_path / "b" / "vapid_private.pem").read_bytes()
    kid_a_again, _ = _current(_server(tmp_path, "a", database_url, kek))
    assert kid_a_again == kid_a  # the first server's restart keeps it too


def test_a_server_with_another_kek_refuses_to_start(tmp_path: Path,
                                                     database_url: str) -> None:
    _current(_server(tmp_path, "a", database_url, make_kek()))
    with pytest.raises(KeyringError, match="same OFFICEGATE_KEY_ENCRYPTION_KEY"):
        prepare(_server(tmp_path, "b", database_url, make_kek()))


def test_a_malformed_kek_is_a_clear_error(tmp_path: Path, database_url: str) -> None:
    short = base64.b64encode(b"too short").decode()
    with pytest.raises(KeyringError, match="must be 32 bytes"):
        prepare(_server(tmp_path, "a", database_url, short))


def test_keys_from_files_move_into_the_database(tmp_path: Path, database_url: str) -> None:
    """A server from before sealed keys: its key file is sealed in, nothing is rotated."""
    settings = _server(tmp_path, "old", database_url, make_kek())
    kid, code = _current(settings)
    engine, sessions = prepare(settings)
    legacy = SigningKey.generate("EdDSA")
    settings.legacy_keys_dir.mkdir(parents=True)
    legacy.save(settings.legacy_keys_dir / "shared-legacy.key")
    with sessions() as db:  # pretend the current key is an unsealed row with its file
        site = db.scalars(select(Site).where(Site.code == "shared")).one()
        for row in db.scalars(select(SigningKeyRecord)):
            db.delete(row)
        db.add(SigningKeyRecord(kid=legacy.kid.hex(), site_id=site.id, alg=legacy.alg,
                                file_name="shared-legacy.key"))
        db.commit()
    engine.dispose()
    moved_kid, moved_code = _current(settings)
    assert (moved_kid, moved_code) == (legacy.kid.hex(), legacy.code_key)
