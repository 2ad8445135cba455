"""Getting a server's storage ready: data directory, migrations, site, first signing key,
and the secrets every server of the site shares."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.db import make_engine, make_session_factory, run_migrations, session_scope
from officegate.server.jobs import lock_key
from officegate.server.keys import service as keys
from officegate.server.notify import vapid as vapid_file
from officegate.server.settings import Settings
from officegate.server.sites import service as sites


def prepare(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Create data_dir, migrate the database, make sure the site, its key and the shared
    secrets exist, and resolve the session secret into ``settings``.

    On PostgreSQL several servers may start at once: an advisory lock makes them take turns,
    so one migrates and makes the first key and secrets, and the others find them.
    Raises KeyringError when the database's keys were sealed with another key-encryption key.
    """
    # 0700: the directory holds the SQLite file (password hashes) and the key-encryption key.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only_sqlite(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    keyring = settings.keyring
    with _one_server_at_a_time(engine):
        run_migrations(engine)
        factory = make_session_factory(engine)
        with session_scope(factory) as db:
            site = sites.ensure_site(db=db, code=settings.site, name=settings.site_name,
                                     timezone=settings.timezone)
            keys.ensure_signing_key(db=db, site=site, keyring=keyring, alg=settings.key_alg,
                                    legacy_dir=settings.legacy_keys_dir)
            secret = keys.shared_secret(db=db, keyring=keyring, name="session",
                                        make=_legacy_or_new_secret(settings))
            vapid = keys.shared_secret(db=db, keyring=keyring, name="vapid",
                                       make=_legacy_or_new_vapid(settings))
    if not settings.secret_key:
        settings.secret_key = secret.decode("ascii")
    vapid_file.write_if_changed(settings.data_dir / "vapid_private.pem", vapid)
    return engine, factory


def _owner_only_sqlite(url: str) -> None:
    # The file holds password hashes and personal data: 0600, made so before SQLite opens it
    # (its -wal and -shm files take the database's mode).
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


@contextmanager
def _one_server_at_a_time(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"),
                           {"key": lock_key("officegate-start-up")})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": lock_key("officegate-start-up")})
            connection.commit()


def _legacy_or_new_secret(settings: Settings) -> bytes:
    """What a server from before shared secrets kept in data_dir, else a new one."""
    path = settings.data_dir / "session.secret"
    if path.is_file():
        return path.read_text().strip().encode("ascii")
    return secrets.token_urlsafe(48).encode("ascii")


def _legacy_or_new_vapid(settings: Settings) -> bytes:
    path = settings.data_dir / "vapid_private.pem"
    return path.read_bytes() if path.is_file() else vapid_file.new_key_pem()


@contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A committed-on-success session on a prepared database, for the CLI and scripts."""
    engine, factory = prepare(settings)
    try:
        with session_scope(factory) as db:
            yield db
    finally:
        engine.dispose()


def session_secret(settings: Settings) -> str:
    """The secret that signs cookies, poster codes, reply addresses and OwnTracks seals:
    ``OFFICEGATE_SECRET_KEY``, else the one every server shares (set by ``prepare``)."""
    if not settings.secret_key:
        raise RuntimeError("session_secret() before prepare(): the database holds the secret")
    return settings.secret_key
