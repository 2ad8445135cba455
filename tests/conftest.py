"""Shared fixtures: the real broker and database when CI points at them, embedded otherwise.

- ``OFFICEGATE_TEST_MQTT_URL`` (e.g. ``mqtt://127.0.0.1:1883``): use that broker (Mosquitto in
  CI); unset: start the embedded amqtt broker on a free port for the session.
- ``OFFICEGATE_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1/test``):
  each test gets its own fresh PostgreSQL database; unset: a SQLite file. Both are copies of
  a database migrated once per session.
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

# The fixtures through which a test meets the configured database or broker.
BACKEND_FIXTURES = frozenset({"database_url", "mqtt_broker", "postgres_admin_url",
                              "migrated_template"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``OFFICEGATE_TEST_BACKEND_ONLY=1``: run only the tests that meet the configured database
    or broker (through the fixtures above, or by reading ``OFFICEGATE_TEST_*`` themselves),
    and the fault tests.

    CI runs the suite twice, with PostgreSQL + Mosquitto and with the embedded defaults; a
    test that touches neither behaves the same in both, so the first run leaves it to the
    second (which runs everything). The README's command runs everything.
    """
    if os.environ.get("OFFICEGATE_TEST_BACKEND_ONLY") != "1":
        return
    reads_env: dict[str, bool] = {}

    def meets_backend(item: pytest.Item) -> bool:
        if "faults" in item.path.parts:  # they start their own Mosquitto: CI runs them here
            return True
        if BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())):
            return True
        path = str(item.path)
        if path not in reads_env:
            reads_env[path] = "OFFICEGATE_TEST_" in item.path.read_text("utf-8")
        return reads_env[path]

    keep = [item for item in items if meets_backend(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture(scope="session")
def mqtt_broker() -> Iterator[BrokerAddress]:
    """A running MQTT broker: the one CI names, or an embedded one."""
    url = os.environ.get("OFFICEGATE_TEST_MQTT_URL")
    if url:
        yield parse_mqtt_url(url)
        return
    from officegate.server.broker import EmbeddedBroker

    with EmbeddedBroker() as broker:
        yield broker.address


# What tests leave retained on a shared broker (device configs and statuses, site keys,
# Home Assistant configs) would pile up run after run and be replayed to every new
# subscriber; a session clears what it retained itself, and nothing else.
RETAINED_BY_TESTS = ("officegate/#", "homeassistant/#", "owntracks/#", "+/lock/#",
                     "+/binary_sensor/#", "+/sensor/#")


@pytest.fixture(scope="session", autouse=True)
def _clear_retained_after_the_session() -> Iterator[None]:
    url = os.environ.get("OFFICEGATE_TEST_MQTT_URL")
    if not url:
        yield  # the embedded broker goes away with the session
        return
    from support.mqtt import clear_retained, retained_topics

    broker = parse_mqtt_url(url)
    before = retained_topics(broker, RETAINED_BY_TESTS)
    yield
    clear_retained(broker, retained_topics(broker, RETAINED_BY_TESTS) - before)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str | None:
    return os.environ.get("OFFICEGATE_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def migrated_template(postgres_admin_url: str | None,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once for the session, copied for each test (a migration run costs
    about a second on PostgreSQL; a copy, a few milliseconds). The copy is what the server's
    own start-up migration then finds up to date, exactly as on a second start."""
    import shutil

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from officegate.server.db import run_migrations

    if not postgres_admin_url:
        path = tmp_path_factory.mktemp("template") / "officegate.sqlite"
        engine = create_engine(f"sqlite:///{path}")
        run_migrations(engine)
        engine.dispose()
        yield str(path)
        shutil.rmtree(path.parent, ignore_errors=True)
        return
    name = f"og_tpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(postgres_admin_url).set(database=name))
    run_migrations(engine)
    engine.dispose()  # a template must have no connections when it is copied
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, postgres_admin_url: str | None,
                 migrated_template: str) -> Iterator[str]:
    """A fresh database for one test, at the newest schema: a new PostgreSQL database, or a
    SQLite file, each copied from the session's migrated template."""
    if not postgres_admin_url:
        import shutil

        path = tmp_path / "officegate.sqlite"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"og_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"'))
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


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    """One Playwright driver per test module: its sync API runs an event loop in this thread,
    so a second one started while the first lives fails ("Sync API inside the asyncio loop")
    and so does any later asyncio.run(); every browser test takes this one, and it is gone
    when the module ends."""
    from support.system import CHROMIUM, HAS_CHROMIUM

    if not HAS_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as driver:
        yield driver
