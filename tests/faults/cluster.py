"""Helpers of the multi-server test: a host's live feed read through the proxy in a thread,
who leads a job (PostgreSQL advisory locks), and a gate's edge agent in this process."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from officegate.edge.agent import EdgeAgent
from officegate.edge.config import EdgeConfig
from officegate.server.jobs import lock_key

UPSTREAM = "X-OfficeGate-Upstream"  # set by deploy/nginx/officegate.conf


class Feed:
    """``GET /api/notify/feed`` as the host page's EventSource: read in a thread, notices
    collected in ``notices``; ``upstream`` is the server nginx chose, ``closed`` is set when
    the stream ends (the server went away)."""

    def __init__(self, base_url: str, cookies: httpx.Cookies,
                 last_event_id: str | None = None) -> None:
        self.notices: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.upstream = ""
        self.status = 0
        self.opened = threading.Event()
        self.closed = threading.Event()
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        self._client = httpx.Client(base_url=base_url, cookies=cookies,
                                    timeout=httpx.Timeout(10, read=60))
        self._thread = threading.Thread(target=self._read, args=(headers,), daemon=True)
        self._thread.start()

    def _read(self, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", "/api/notify/feed", headers=headers) as r:
                self.status, self.upstream = r.status_code, r.headers.get(UPSTREAM, "")
                self.opened.set()
                event: dict[str, str] = {}
                for line in r.iter_lines():
                    if line == "":
                        if event.get("event") == "notice":
                            self.ids.append(event["id"])
                            self.notices.append(json.loads(event["data"]))
                        event = {}
                    elif not line.startswith(":"):
                        field, _, value = line.partition(":")
                        event[field] = value[1:] if value.startswith(" ") else value
        except httpx.HTTPError:
            pass  # the stream broke: what a browser's EventSource sees as an error
        finally:
            self.opened.set()
            self.closed.set()

    def kinds(self) -> list[str]:
        """The kinds of the notices received, in order."""
        return [str(n.get("kind")) for n in self.notices]

    def close(self) -> None:
        """Stop reading (the page is closed)."""
        self._client.close()
        self._thread.join(10)


def job_leader(database_url: str, job: str) -> str | None:
    """The application_name of the database connection holding ``job``'s advisory lock."""
    key = lock_key(job) & 0xFFFFFFFFFFFFFFFF
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :hi AND l.objid = :lo"),
                {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).scalar()
    finally:
        engine.dispose()


def rows(database_url: str, sql: str, **params: object) -> list[Any]:
    """Rows of a query on the test's database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def gate_agent(*, device: str, site: str, mqtt_url: str, data_dir: Path) -> EdgeAgent:
    """The real edge agent of a gate (simulated camera, mock pins), started."""
    agent = EdgeAgent.from_config(EdgeConfig(
        device=device, site=site, kind="gate", zone="lobby", mqtt_url=mqtt_url,
        data_dir=data_dir, camera="sim", keepalive_seconds=5, heartbeat_seconds=5))
    agent.start()
    return agent


def noon_zone() -> str:
    """A fixed-offset zone where it is about noon now: the visit is on the local day."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" + (f"+{-offset}" if offset < 0 else f"-{offset}")
