"""Fault-test fixtures: a Mosquitto broker, a server process and edge processes the test can
stop, kill and restart, all on a real database (PostgreSQL in CI, SQLite otherwise)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from .mosquitto import Mosquitto, free_port

DRIVER = Path(__file__).with_name("edge_driver.py")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running Mosquitto of this test only (persistence on, unlimited queues)."""
    mosquitto = Mosquitto(tmp_path / "broker").start()
    yield mosquitto
    mosquitto.stop()


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it first."""


@dataclass
class ServerProcess:
    """``officegate server`` in a subprocess: its bridge stores the events."""

    data_dir: Path
    database_url: str
    mqtt_url: str
    site: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)  # more OFFICEGATE_* settings

    def prepare(self) -> Path:
        """Migrate the database and make the site key; returns a file holding the signing
        key (the keys live sealed in the database; the edge driver signs test passes)."""
        from officegate.server.bootstrap import prepare
        from officegate.server.db import session_scope
        from officegate.server.keys.service import current_key_record, load_signing_key
        from officegate.server.settings import Settings
        from officegate.server.sites.service import get_site

        settings = Settings(data_dir=self.data_dir, database_url=self.database_url,
                            site=self.site, key_encryption_key=self.env.get(
                                "OFFICEGATE_KEY_ENCRYPTION_KEY"))  # type: ignore[arg-type]
        engine, sessions = prepare(settings)
        try:
            with session_scope(sessions) as db:
                record = current_key_record(db=db, site=get_site(db=db, code=self.site))
                assert record is not None
                key = load_signing_key(keyring=settings.keyring, record=record)
        finally:
            engine.dispose()
        path = self.data_dir / "edge-signing.key"
        key.save(path)
        return path

    def start(self, timeout: float = 30.0) -> None:
        """Start serving; returns once /healthz answers (the bridge has connected by then).

        A free port can be taken by another process between asking and binding; then the
        server is started again on a new port (the port is not what these tests are about).
        """
        for _attempt in range(3):
            try:
                self._start_once(timeout)
                return
            except PortTaken:
                self.port = free_port()
        self._start_once(timeout)

    def _start_once(self, timeout: float) -> None:
        env = {**os.environ, "OFFICEGATE_DATA_DIR": str(self.data_dir),
               "OFFICEGATE_DATABASE_URL": self.database_url, "OFFICEGATE_MQTT_URL": self.mqtt_url,
               "OFFICEGATE_SITE": self.site, **self.env}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "officegate", "server", "--port", str(self.port)],
            env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                if "address already in use" in tail.splitlines()[-6:].__str__():
                    raise PortTaken(tail)
                raise RuntimeError(f"server exited: {tail}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def log_tail(self) -> str:
        """The end of the server's log."""
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@dataclass
class EdgeRun:
    """The edge driver (a real agent + outbox + MQTT link) in a subprocess."""

    data_dir: Path
    device: str
    site: str
    mqtt_url: str
    key: Path
    scans: int
    pause: float = 0.005
    process: subprocess.Popen[str] | None = None

    @property
    def ids_file(self) -> Path:
        """Event ids the edge committed to its outbox, one a line."""
        return self.data_dir / "ids.txt"

    def start(self) -> EdgeRun:
        """Start (or restart after a kill: it carries on to ``scans`` in total)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), "--data-dir", str(self.data_dir), "--device",
             self.device, "--site", self.site, "--mqtt-url", self.mqtt_url, "--key",
             str(self.key), "--ids", str(self.ids_file), "--scans", str(self.scans),
             "--pause", str(self.pause)],
            stdout=subprocess.PIPE, stderr=(self.data_dir / "edge.log").open("a"), text=True)
        return self

    def committed(self) -> list[str]:
        """Ids committed so far."""
        return self.ids_file.read_text().split() if self.ids_file.exists() else []

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        """Block until at least ``count`` events were committed."""
        deadline = time.monotonic() + timeout
        while len(self.committed()) < count:
            assert self.process is not None and self.process.poll() is None, self.log_tail()
            assert time.monotonic() < deadline, f"edge stalled at {len(self.committed())}"
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the edge mid-stream."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def finish(self, timeout: float = 60.0) -> str:
        """Wait for the stream to end and the outbox to empty; returns the edge's summary."""
        assert self.process is not None
        out, _ = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, f"edge did not drain: {out} {self.log_tail()}"
        return out.strip()

    def log_tail(self) -> str:
        """The end of the edge's log."""
        path = self.data_dir / "edge.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def stored_ids(database_url: str, device: str) -> list[str]:
    """Ids of ``device``'s events in the server's database (duplicates would show twice)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(
                text("SELECT id FROM access_events WHERE device = :d"), {"d": device})]
    finally:
        engine.dispose()


def wait_stored(database_url: str, device: str, count: int, timeout: float = 30.0) -> list[str]:
    """Poll the database until ``count`` events of ``device`` are stored (or time runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        ids = stored_ids(database_url, device)
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


@pytest.fixture
def site() -> str:
    """A site id of this test only."""
    return f"s{uuid.uuid4().hex[:8]}"


@pytest.fixture
def server(tmp_path: Path, database_url: str, broker: Mosquitto,
           site: str) -> Iterator[ServerProcess]:
    """A prepared (not yet started) server process for this test's broker and database."""
    proc = ServerProcess(data_dir=tmp_path / "server", database_url=database_url,
                         mqtt_url=broker.url, site=site)
    yield proc
    proc.kill()
