"""Shared fixtures: the real broker and database when CI points at them, embedded otherwise.

- ``OFFICEGATE_TEST_MQTT_URL`` (e.g. ``mqtt://127.0.0.1:1883``): use that broker (Mosquitto in
  CI); unset: start the embedded amqtt broker on a free port for the session.
- ``OFFICEGATE_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1/test``):
  each test session gets its own fresh PostgreSQL database; unset: a SQLite file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from officegate.mqtt.client import BrokerAddress, parse_mqtt_url

# The tests' notification receivers, push services and calendar feeds listen on this machine:
# allow exactly that address (production allows none; see officegate/server/outbound.py).
# Tests of the refusal itself pass outbound_allow="" to Settings.
os.environ.setdefault("OFFICEGATE_OUTBOUND_ALLOW", "127.0.0.1")


@pytest.fixture(scope="session")
def mqtt_broker() -> Iterator[BrokerAddress]:
    """A running MQTT broker: the one CI names, or an embedded one."""
    url = os.environ.get("OFFICEGATE_TEST_MQTT_URL")
    if url:
        yield parse_mqtt_url(url)
        return
    from officegate.mqtt.broker import EmbeddedBroker

    with EmbeddedBroker() as broker:
        yield broker.address


@pytest.fixture(scope="session")
def postgres_admin_url() -> str | None:
    return os.environ.get("OFFICEGATE_TEST_DATABASE_URL")


@pytest.fixture
def database_url(tmp_path: Path, postgres_admin_url: str | None) -> Iterator[str]:
    """A fresh, empty database for one test: a new PostgreSQL database, or a SQLite file."""
    if not postgres_admin_url:
        yield f"sqlite:///{tmp_path / 'officegate.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"og_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def topic_prefix() -> str:
    """A unique suffix so tests sharing one real broker never see each other's messages."""
    return uuid.uuid4().hex[:8]
