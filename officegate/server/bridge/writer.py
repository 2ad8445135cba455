"""Stores device events in batches: one transaction for up to ``batch`` events, then a
PUBACK for each, in the order they arrived.

Why: one transaction per event in paho's network thread tops out at a few hundred events a
second on PostgreSQL (each commit is a WAL flush). Batching keeps "acknowledge only what is
committed" and lets a single server keep up with thousands of events a second. If the
database is down, the batch is retried every second and nothing is acknowledged, so the
broker keeps the events (persistent session) instead of anyone losing them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from officegate.protocol import topics
from officegate.protocol.messages import AccessEvent, DoorEvent, event_kind
from officegate.server.access import passback, replay
from officegate.server.access import service as access
from officegate.server.alerts import service as alerts
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
    kind = event_kind(payload) or ""
    if kind in OTHER_DOMAIN_KINDS:
        return None
    event: AccessEvent | DoorEvent = (DoorEvent.from_json(payload) if kind.startswith("door_")
                                      else AccessEvent.from_json(payload))
    if event.device != device:
        raise ValueError(f"event names device {event.device!r}, topic {device!r}")
    return event


class EventWriter:
    """A thread that stores queued events in batches and acknowledges them after commit."""

    def __init__(self, *, sessions: sessionmaker[Session], ack: Callable[[int, int], object],
                 stats: Counter[str], on_stored: Callable[[AccessEvent], None],
                 batch: int = 500,
                 send: Callable[[str, dict[str, object]], None] | None = None,
                 on_door: Callable[[DoorEvent], None] | None = None) -> None:
        self._sessions = sessions
        self._ack = ack
        self._stats = stats
        self._on_stored = on_stored
        self._send = send  # device commands that follow from stored events (anti-passback)
        self._on_door = on_door  # told of each new door alarm after commit
        self._batch = batch
        self._queue: queue.Queue[Incoming] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current batch; what is still queued stays unacknowledged."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def submit(self, message: Incoming) -> None:
        """Queue one event message (called from paho's network thread)."""
        self._queue.put(message)

    def _take(self) -> list[Incoming]:
        try:
            first = self._queue.get(timeout=0.5)
        except queue.Empty:
            return []
        taken = [first]
        while len(taken) < self._batch:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return taken

    def _run(self) -> None:
        while not self._stopping.is_set():
            taken = self._take()
            while taken and not self._stopping.is_set():
                try:
                    self._store(taken)
                    break
                except DB_UNAVAILABLE:
                    log.exception("could not store %d events; retrying, none acknowledged",
                                  len(taken))
                    self._stats["failed"] += len(taken)
                    time.sleep(1.0)
                except Exception:
                    # One event the database refuses (a value too long or out of range, a NUL
                    # character, a time datetime cannot hold) must not hold back the others,
                    # nor be retried for ever: store one by one, reject what still fails.
                    log.exception("could not store a batch of %d events; one by one",
                                  len(taken))
                    taken = self._store_each(taken)

    def _store_each(self, taken: list[Incoming]) -> list[Incoming]:
        """Store ``taken`` one event per transaction; acknowledge and count as rejected the
        events that fail twice. Returns the rest when the database went away meanwhile."""
        for i, message in enumerate(taken):
            for attempt in (1, 2):  # twice: a race with another server can fail once
                try:
                    self._store([message])
                    break
                except DB_UNAVAILABLE:
                    return taken[i:]
                except Exception as exc:
                    if attempt == 2:
                        log.warning("rejected event on %s: %s", message.topic[:200],
                                    str(exc)[:300])
                        self._stats["rejected"] += 1
                        if message.qos > 0:
                            self._ack(message.mid, message.qos)
        return []

    def _store(self, taken: list[Incoming]) -> None:
        events: list[tuple[Incoming, AccessEvent | DoorEvent | None]] = []
        for message in taken:
            try:
                events.append((message, parse_event(message.topic, message.payload)))
            except ValueError as exc:
                log.warning("rejected message on %s: %s", message.topic[:200], str(exc)[:300])
                self._stats["rejected"] += 1
                events.append((message, None))  # acknowledged: resending will not fix it
                continue
            if events[-1][1] is None:
                self._stats["other_domain"] += 1
        access_events = [e for _m, e in events if isinstance(e, AccessEvent)]
        with session_scope(self._sessions) as db:
            stored = access.ingest_events(db=db, events=access_events)
            # Compared with the stored rows, which now include this batch: one query.
            replay.flag_copied_codes(db=db, events=stored)
            commands = passback.reconcile(db=db, events=stored)
            new_door_events = []
            for _message, event in events:
                if isinstance(event, DoorEvent):
                    new = alerts.ingest_door_event(db=db, event=event)
                    self._stats["door_event" if new else "duplicate"] += 1
                    if new:
                        new_door_events.append(event)
        self._stats["duplicate"] += len(access_events) - len(stored)
        self._stats["stored"] += len(stored)
        for message, _event in events:  # after the commit, in arrival order
            if message.qos > 0:
                self._ack(message.mid, message.qos)
        for event in stored:
            self._on_stored(event)
        if self._send is not None:
            for device, command in commands:
                self._send(device, command)
        if self._on_door is not None:
            for door_event in new_door_events:
                self._on_door(door_event)
