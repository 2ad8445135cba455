"""Getting a server's storage ready: data directory, migrations, site, first signing key."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.db import make_engine, make_session_factory, run_migrations, session_scope
from officegate.server.keys import service as keys
from officegate.server.settings import Settings
from officegate.server.sites import service as sites


def prepare(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Create data_dir, migrate the database, and make sure the site and its key exist."""
    # 0700: the directory holds the SQLite file (password hashes) and the signing keys.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only_sqlite(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    run_migrations(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as db:
        site = sites.ensure_site(db=db, code=settings.site, name=settings.site_name,
                                 timezone=settings.timezone)
        keys.ensure_signing_key(db=db, site=site, keys_dir=settings.keys_dir,
                                alg=settings.key_alg)
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
def database_session(settings: Settings) -> Iterator[Session]:
    """A committed-on-success session on a prepared database, for the CLI and scripts."""
    engine, factory = prepare(settings)
    try:
        with session_scope(factory) as db:
            yield db
    finally:
        engine.dispose()


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: from settings, else a 0600 file made once in data_dir."""
    if settings.secret_key:
        return settings.secret_key
    path: Path = settings.data_dir / "session.secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
