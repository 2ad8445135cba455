"""The durable outbox: nothing is lost before the broker acknowledges it, not even on SIGKILL."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from officegate.edge.outbox import Outbox
from officegate.protocol.messages import AccessEvent, new_event_id


def event(**changes: object) -> AccessEvent:
    fields: dict = dict(id=new_event_id(), device="gate-1", site="hq", at=1.0, reason="accepted",
                        pass_id="0123456789abcdef", visit_id=1, subject="v1", kid=None,
                        latency_ms=3.5, detail="")
    fields.update(changes)
    return AccessEvent(**fields)


def test_events_wait_until_marked_sent(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    first, second = event(), event()
    box.put(first)
    box.put(second)
    box.put(first)  # the same event twice is still one event

    assert [p.id for p in box.pending()] == [first.id, second.id]
    assert AccessEvent.from_json(box.pending()[0].payload) == first
    box.mark_sent(first.id)
    assert [p.id for p in box.pending()] == [second.id]
    box.close()


def test_outbox_is_bounded_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    box = Outbox(tmp_path / "outbox.db", max_rows=3)
    ids = [event().id for _ in range(5)]
    with caplog.at_level(logging.WARNING, logger="officegate.edge.outbox"):
        for event_id in ids:
            box.put(event(id=event_id))

    assert [p.id for p in box.pending()] == ids[2:]  # the oldest went first
    assert box.dropped == 2
    assert "dropped 1 oldest undelivered events" in caplog.text
    assert "is 3/3 full" in caplog.text
    box.close()


def test_outbox_drops_events_older_than_its_age_bound(tmp_path: Path) -> None:
    now = [1000.0]
    box = Outbox(tmp_path / "outbox.db", max_age_seconds=60, clock=lambda: now[0])
    old = event()
    box.put(old)
    now[0] += 61
    fresh = event()
    box.put(fresh)
    assert [p.id for p in box.pending()] == [fresh.id]
    assert box.dropped == 1
    box.close()


WRITER = textwrap.dedent(
    """
    import sys, time
    from officegate.edge.outbox import Outbox
    from officegate.protocol.messages import AccessEvent, new_event_id
    box = Outbox(sys.argv[1])
    ids = []
    for n in range(20):
        e = AccessEvent(id=new_event_id(), device="gate-1", site="hq", at=float(n),
                        reason="accepted", pass_id=None, visit_id=n, subject=None, kid=None,
                        latency_ms=None, detail="")
        box.put(e)
        ids.append(e.id)
    box.mark_sent(ids[0])
    print(" ".join(ids[1:]), flush=True)
    time.sleep(120)
    """
)


def test_outbox_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        written = proc.stdout.readline().split()
        proc.send_signal(signal.SIGKILL)  # no clean shutdown, no atexit, no close()
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL

    box = Outbox(path)
    pending = box.pending(100)
    assert [p.id for p in pending] == written
    assert [json.loads(p.payload)["visit_id"] for p in pending] == list(range(1, 20))
    box.close()


def test_the_outbox_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    import stat

    box = Outbox(tmp_path / "outbox.db")
    try:
        names = list(tmp_path.iterdir())
        assert len(names) >= 2  # the database and its write-ahead log
        for name in names:
            assert stat.S_IMODE(name.stat().st_mode) == 0o600, name
    finally:
        box.close()
