"""The bridge's event writer on the test database: batched insert, several writer threads
acknowledging in arrival order, and checks that see every earlier batch."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from support.polling import poll

from officegate.protocol import Reason, topics
from officegate.protocol.messages import AccessEvent, new_event_id
from officegate.server.access.models import AccessEventRecord
from officegate.server.alerts.models import Alert
from officegate.server.bootstrap import prepare
from officegate.server.bridge.bulk import ingest_access_events
from officegate.server.bridge.writer import EventWriter, Incoming
from officegate.server.db import session_scope

from .conftest import Office


def _event(device: str, site: str, *, pass_id: str | None = None, at: float | None = None,
           detail: str = "", latency_ms: float | None = 3.0) -> AccessEvent:
    return AccessEvent(id=new_event_id(), device=device, site=site, at=at or time.time(),
                       reason=Reason.ACCEPTED.value,
                       pass_id=pass_id if pass_id is not None else secrets.token_hex(8),
                       visit_id=None, subject="v1", kid=None, latency_ms=latency_ms,
                       detail=detail)


@pytest.fixture
def sessions(office: Office) -> Iterator[sessionmaker[Session]]:
    engine, factory = prepare(office.settings)
    yield factory
    engine.dispose()


@dataclass
class Writer:
    """An EventWriter with a recording ``ack``, started and stopped by the fixture."""

    writer: EventWriter
    acks: list[int]
    stats: Counter[str]

    def submit(self, device: str, payloads: list[bytes], first_mid: int = 1) -> None:
        for mid, payload in enumerate(payloads, start=first_mid):
            self.writer.submit(Incoming(topics.device_events(device), payload, mid, 1))


def _writer(sessions: sessionmaker[Session], *, batch: int) -> Iterator[Writer]:
    acks: list[int] = []
    lock = threading.Lock()

    def ack(mid: int, _qos: int) -> None:
        with lock:
            acks.append(mid)

    stats: Counter[str] = Counter()
    writer = EventWriter(sessions=sessions, ack=ack, stats=stats, on_stored=lambda _e: None,
                         batch=batch, writers=2)
    writer.start()
    yield Writer(writer, acks, stats)
    writer.stop()


@pytest.fixture
def small_batches(sessions: sessionmaker[Session]) -> Iterator[Writer]:
    yield from _writer(sessions, batch=7)


@pytest.fixture
def one_per_batch(sessions: sessionmaker[Session]) -> Iterator[Writer]:
    yield from _writer(sessions, batch=1)


def _stored(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(AccessEventRecord)) or 0)


def test_a_batch_stores_new_events_once_with_their_fields(
        office: Office, sessions: sessionmaker[Session]) -> None:
    first = _event(office.gate, office.site, pass_id="ABCDEF0123456789", detail="d" * 3000,
                   latency_ms=7)
    second = _event(office.door, office.site, pass_id="", latency_ms=None)
    with session_scope(sessions) as db:
        new = ingest_access_events(db=db, events=[first, first, second])
    assert [e.id for e in new] == [first.id, second.id]
    third = _event(office.gate, office.site)
    with session_scope(sessions) as db:  # one already stored, one new
        new = ingest_access_events(db=db, events=[second, third])
    assert [e.id for e in new] == [third.id]
    with sessions() as db:
        row = db.get(AccessEventRecord, first.id)
        assert row is not None
        assert (row.device, row.site, row.reason, row.kind) == \
            (office.gate, office.site, "accepted", "access")
        assert row.pass_id == "abcdef0123456789" and len(row.detail) == 2000
        assert row.latency_ms == 7.0 and abs(row.at.timestamp() - first.at) < 1e-3
        assert row.received_at is not None
        other = db.get(AccessEventRecord, second.id)
        assert other is not None and other.pass_id is None and other.latency_ms is None
    assert _stored(sessions) == 3


def _refused(device: str, site: str) -> bytes:
    """Well-formed, but a time no datetime holds: the batch falls back to one by one."""
    doc = json.loads(_event(device, site).to_json())
    doc["at"] = 1e300
    return json.dumps(doc).encode()


def test_writers_acknowledge_in_arrival_order_after_storing(
        office: Office, sessions: sessionmaker[Session], small_batches: Writer) -> None:
    """Batches of 7 on two writer threads; every other batch holds an event the database
    refuses, so it takes longer (one transaction per event) than the batch after it."""
    devices = [office.gate if n % 2 else office.door for n in range(150)]
    payloads = [_event(device, office.site).to_json() for device in devices]
    slow = range(3, 150, 14)
    for n in slow:
        payloads[n] = _refused(devices[n], office.site)
    payloads[10] = b"{not json"  # rejected, still acknowledged in its place
    payloads[23] = payloads[21]  # a redelivery (both the gate's): stored once
    for mid, (device, payload) in enumerate(zip(devices, payloads, strict=True), start=1):
        small_batches.submit(device, [payload], first_mid=mid)
    assert poll(lambda: len(small_batches.acks) == 150, timeout=60)
    assert small_batches.acks == list(range(1, 151))
    stored = 150 - len(slow) - 2
    assert _stored(sessions) == stored
    assert small_batches.stats["rejected"] == len(slow) + 1
    assert small_batches.stats["duplicate"] == 1
    assert small_batches.stats["stored"] == stored


def test_a_copied_code_is_caught_between_batches_stored_at_once(
        office: Office, sessions: sessionmaker[Session], one_per_batch: Writer) -> None:
    """The same pass accepted at two devices at the same moment, each event alone in its
    batch so two writer threads store them side by side: one alert per pass, as when they
    are stored one after the other."""
    passes = [secrets.token_hex(8) for _ in range(5)]
    now = time.time()
    mid = 1
    for pass_id in passes:
        for device in (office.gate, office.door):
            one_per_batch.submit(device, [_event(device, office.site, pass_id=pass_id,
                                                 at=now).to_json()], first_mid=mid)
            mid += 1
    assert poll(lambda: len(one_per_batch.acks) == 10, timeout=60)
    with sessions() as db:
        alerts = db.scalars(select(Alert).where(Alert.kind == "code_replayed",
                                                Alert.site == office.site)).all()
    flagged = sorted(p for p in passes if any(p in a.detail for a in alerts))
    assert flagged == sorted(passes)
    assert len(alerts) == 5


def test_an_unusable_event_in_a_batch_is_rejected_and_the_rest_stored(
        office: Office, sessions: sessionmaker[Session], small_batches: Writer) -> None:
    good = [_event(office.gate, office.site) for _ in range(5)]
    payloads = [g.to_json() for g in good[:3]] + [_refused(office.gate, office.site)] + \
        [g.to_json() for g in good[3:]]
    small_batches.submit(office.gate, payloads)
    assert poll(lambda: len(small_batches.acks) == 6, timeout=60)
    assert small_batches.acks == [1, 2, 3, 4, 5, 6]
    with sessions() as db:
        ids = set(db.scalars(select(AccessEventRecord.id)))
    assert ids == {g.id for g in good}
