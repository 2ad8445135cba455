"""Stores device events in batches: one transaction for up to ``batch`` events, then a
PUBACK for each, in the order they arrived.

Why: one transaction per event in paho's network thread tops out at a few hundred events a
second on PostgreSQL (each commit is a WAL flush). Batching keeps "acknowledge only what is
committed" and lets a single server keep up with thousands of events a second. If the
database is down, the batch is retried every second and nothing is acknowledged, so the
broker keeps the events (persistent session) instead of anyone losing them. Where the time
goes and what it reaches: README, "Benchmarks" (benchmarks/ingest.py).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent, DoorEvent, event_kind
from officegate.server.access import passback, replay
from officegate.server.alerts import service as alerts
from officegate.server.bridge import bulk
from officegate.server.db import DB_UNAVAILABLE, session_scope

log = logging.getLogger(__name__)
MAX_PAYLOAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event message as it came off the wire, with what is needed to acknowledge it."""

    topic: str
    payload: bytes
    mid: int
    qos: int


# Event kinds on a device's events topic that another domain's own subscriber stores
# (vending stock reports and vend results, room motion sensors); the access log skips them.
OTHER_DOMAIN_KINDS = frozenset({"stock", "vend", "motion", "still"})


def parse_event(topic: str, payload: bytes) -> AccessEvent | DoorEvent | None:
    """The event in ``payload`` for ``topic``, or None when another domain stores it.

    ValueError says why it is unusable.
    """
    device = topics.device_of(topic)
    if device is None:
        raise ValueError("not a device topic")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"event of {len(payload)} bytes is too large")
    event: AccessEvent | DoorEvent
    try:  # most events are access events: parse the JSON once for them
        event = AccessEvent.from_json(payload)
    except ValueError:
        kind = event_kind(payload) or ""
        if kind in OTHER_DOMAIN_KINDS:
            return None
        if not kind.startswith("door_"):
            raise
        event = DoorEvent.from_json(payload)
    if event.device != device:
        raise ValueError(f"event names device {event.device!r}, topic {device!r}")
    return event


@dataclass
class _Outcome:
    """What a batch leaves to do once it is committed: acknowledge, count, tell others."""

    acks: list[Incoming] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    stored: list[AccessEvent] = field(default_factory=list)
    commands: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    doors: list[DoorEvent] = field(default_factory=list)

    def add(self, other: _Outcome) -> None:
        self.acks += other.acks
        self.stats.update(other.stats)
        self.stored += other.stored
        self.commands += other.commands
        self.doors += other.doors


class EventWriter:
    """Threads that store queued events in batches and acknowledge them after commit.

    On PostgreSQL ``writers`` threads (default 2) work on consecutive batches at once: one
    parses and inserts while another waits for the database, and the database uses more
    than one core. Each transaction inserts its events (``ON CONFLICT DO NOTHING`` keeps
    that safe side by side), then takes a transaction-scoped advisory lock before the
    checks that read other events (copied codes, anti-passback, door alarms) and holds it
    until its commit, so those see every earlier batch exactly as one writer would (this
    also holds between several servers on one database). Batches are acknowledged and
    reported in the order they were taken, so PUBACKs go out in arrival order (MQTT 3.1.1
    section 4.6). SQLite allows one writer at a time: there it is one thread.
    """

    def __init__(self, *, sessions: sessionmaker[Session], ack: Callable[[int, int], object],
                 stats: Counter[str], on_stored: Callable[[AccessEvent], None],
                 batch: int = 500, writers: int = 2,
                 send: Callable[[str, dict[str, object]], None] | None = None,
                 on_door: Callable[[DoorEvent], None] | None = None) -> None:
        self._sessions = sessions
        self._ack = ack
        self._stats = stats
        self._on_stored = on_stored
        self._send = send  # device commands that follow from stored events (anti-passback)
        self._on_door = on_door  # told of each new door alarm after commit
        self._batch = batch
        self._writers = max(1, writers)
        self._queue: queue.Queue[Incoming] = queue.Queue()
        self._stopping = threading.Event()
        self._take_lock = threading.Lock()
        self._taken = 0  # batches taken so far; a batch's number is its place in the order
        self._turn = 0  # the batch whose outcome is due next
        self._turn_changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stats_lock = threading.Lock()

    def start(self) -> None:
        """Start the writer threads."""
        bind = self._sessions.kw.get("bind")
        postgres = bind is not None and bind.dialect.name == "postgresql"
        count = self._writers if postgres else 1
        self._threads = [threading.Thread(target=self._run, name=f"event-writer-{n}",
                                          daemon=True) for n in range(count)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop after the current batches; what is still queued stays unacknowledged."""
        self._stopping.set()
        with self._turn_changed:
            self._turn_changed.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=10)

    def submit(self, message: Incoming) -> None:
        """Queue one event message (called from paho's network thread)."""
        self._queue.put(message)

    def _take(self) -> tuple[int, list[Incoming]]:
        with self._take_lock:
            try:
                first = self._queue.get(timeout=0.5)
            except queue.Empty:
                return -1, []
            taken = [first]
            while len(taken) < self._batch:
                try:
                    taken.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            number, self._taken = self._taken, self._taken + 1
            return number, taken

    def _run(self) -> None:
        while not self._stopping.is_set():
            number, taken = self._take()
            if not taken:
                continue
            outcome = _Outcome()
            while taken and not self._stopping.is_set():
                try:
                    outcome.add(self._store(taken))
                    taken = []
                except DB_UNAVAILABLE:
                    log.exception("could not store %d events; retrying, none acknowledged",
                                  len(taken))
                    with self._stats_lock:  # counted now: the outage shows while it lasts
                        self._stats["failed"] += len(taken)
                    time.sleep(1.0)
                except Exception:
                    # One event the database refuses (a value too long or out of range, a NUL
                    # character, a time datetime cannot hold) must not hold back the others,
                    # nor be retried for ever: store one by one, reject what still fails.
                    log.exception("could not store a batch of %d events; one by one",
                                  len(taken))
                    taken = self._store_each(taken, outcome)
            self._in_turn(number, outcome)

    def _in_turn(self, number: int, outcome: _Outcome) -> None:
        """Acknowledge and report ``outcome`` once every earlier batch's has been; when
        stopping, an outcome whose turn does not come stays unacknowledged (the broker
        sends those events again and they are found already stored)."""
        with self._turn_changed:
            self._turn_changed.wait_for(
                lambda: self._turn == number or self._stopping.is_set())
            if self._turn != number:
                return
            try:
                self._finish(outcome)
            finally:
                self._turn += 1
                self._turn_changed.notify_all()

    def _finish(self, outcome: _Outcome) -> None:
        with self._stats_lock:
            self._stats.update(outcome.stats)
        for message in outcome.acks:  # after the commit, in arrival order
            if message.qos > 0:
                self._ack(message.mid, message.qos)
        for event in outcome.stored:
            self._on_stored(event)
        if self._send is not None:
            for device, command in outcome.commands:
                self._send(device, command)
        if self._on_door is not None:
            for door_event in outcome.doors:
                self._on_door(door_event)

    def _store_each(self, taken: list[Incoming], outcome: _Outcome) -> list[Incoming]:
        """Store ``taken`` one event per transaction into ``outcome``; count as rejected
        (and acknowledge) the events that fail twice. Returns the rest when the database
        went away meanwhile."""
        for i, message in enumerate(taken):
            for attempt in (1, 2):  # twice: a race with another server can fail once
                try:
                    outcome.add(self._store([message]))
                    break
                except DB_UNAVAILABLE:
                    return taken[i:]
                except Exception as exc:
                    if attempt == 2:
                        log.warning("rejected event on %s: %s", message.topic[:200],
                                    str(exc)[:300])
                        outcome.stats["rejected"] += 1
                        outcome.acks.append(message)
        return []

    def _store(self, taken: list[Incoming]) -> _Outcome:
        """One transaction for ``taken``; raises (storing nothing) if it fails."""
        out = _Outcome(acks=taken)
        events: list[AccessEvent | DoorEvent] = []
        for message in taken:
            try:
                event = parse_event(message.topic, message.payload)
            except ValueError as exc:  # acknowledged: resending will not fix it
                log.warning("rejected message on %s: %s", message.topic[:200], str(exc)[:300])
                out.stats["rejected"] += 1
                continue
            if event is None:
                out.stats["other_domain"] += 1
            else:
                events.append(event)
        access_events = [e for e in events if isinstance(e, AccessEvent)]
        with session_scope(self._sessions) as db:
            out.stored = bulk.ingest_access_events(db=db, events=access_events)
            bulk.serialize_checks(db=db)
            # Compared with the stored rows, which now include this batch: one query.
            replay.flag_copied_codes(db=db, events=out.stored)
            out.commands = passback.reconcile(db=db, events=out.stored)
            for event in events:
                if isinstance(event, DoorEvent):
                    new = alerts.ingest_door_event(db=db, event=event)
                    out.stats["door_event" if new else "duplicate"] += 1
                    if new:
                        out.doors.append(event)
        out.stats["duplicate"] += len(access_events) - len(out.stored)
        out.stats["stored"] += len(out.stored)
        return out
