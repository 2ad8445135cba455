"""A database of each kind for tests that must hold on both: a SQLite file, and a
PostgreSQL database of the test's own (made and dropped around it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

# CI names its server; here the machine's own (127.0.0.1:5432, trust authentication).
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


@contextmanager
def database_of(kind: str, tmp_path: Path, prefix: str = "og_t") -> Iterator[str]:
    """A fresh, empty database URL of ``kind``; PostgreSQL skips the test (with the reason)
    when no server answers."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'officegate.db'}"
        return
    base = os.environ.get("OFFICEGATE_TEST_DATABASE_URL") or LOCAL_POSTGRES
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {make_url(base).render_as_string()}: "
                    f"{str(exc).splitlines()[0]}")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
