"""One leader per job: every sweep runs on one server at a time, and another server takes
it over when the leader goes away. On PostgreSQL (CI's real run) two runners on the same
database compete through advisory locks; on SQLite one process leads every job."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from support.polling import poll

from officegate.server.jobs import (
    AdvisoryLocks,
    AlreadyRunning,
    Job,
    JobRunner,
    OneProcess,
    leadership_for,
)

DATABASE_URL = os.environ.get("OFFICEGATE_TEST_DATABASE_URL", "")
needs_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="advisory locks need PostgreSQL (OFFICEGATE_TEST_DATABASE_URL, set by CI)")


class Counter:
    """Counts runs per server, thread-safely."""

    def __init__(self) -> None:
        self.runs: dict[str, int] = {}
        self._lock = threading.Lock()

    def job(self, server: str, name: str = "sweep") -> Job:
        def run() -> None:
            with self._lock:
                self.runs[server] = self.runs.get(server, 0) + 1

        return Job(name, 0.05, run)


@pytest.fixture
def engines() -> Iterator[tuple[Engine, Engine]]:
    a, b = create_engine(DATABASE_URL), create_engine(DATABASE_URL)
    yield a, b
    a.dispose()
    b.dispose()


def test_one_process_leads_every_job_on_sqlite(tmp_path: object) -> None:
    engine = create_engine("sqlite://")
    assert isinstance(leadership_for(engine), OneProcess)
    counter = Counter()
    runner = JobRunner([counter.job("only")], OneProcess())
    runner.start()
    try:
        assert poll(lambda: counter.runs.get("only", 0) >= 3)
    finally:
        runner.stop()


def test_a_failing_run_is_retried_at_the_next_tick() -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")

    runner = JobRunner([Job("flaky", 0.05, flaky)], OneProcess())
    runner.start()
    try:
        assert poll(lambda: runner.runs["flaky"] >= 1)  # a run after the failed one
    finally:
        runner.stop()


@needs_postgresql
def test_two_servers_one_leader_and_takeover(engines: tuple[Engine, Engine]) -> None:
    name = f"sweep-{os.getpid()}-{threading.get_ident()}"
    counter = Counter()
    first = JobRunner([counter.job("first", name)], AdvisoryLocks(engines[0]))
    second = JobRunner([counter.job("second", name)], AdvisoryLocks(engines[1]))
    first.start()
    assert poll(lambda: counter.runs.get("first", 0) >= 2)  # the first server leads
    second.start()
    try:
        seen = counter.runs.get("first", 0)
        assert poll(lambda: counter.runs.get("first", 0) >= seen + 10)
        assert counter.runs.get("second", 0) == 0  # never both
        first.stop()  # the leader goes away: its connection, and its lock, with it
        assert poll(lambda: counter.runs.get("second", 0) >= 3)  # taken over
    finally:
        first.stop()
        second.stop()


@needs_postgresql
def test_a_leader_killed_without_stopping_is_taken_over(engines: tuple[Engine, Engine]) -> None:
    """A server that dies (its database connections dropped, no resign) loses the lead."""
    name = f"killed-{os.getpid()}-{threading.get_ident()}"
    counter = Counter()
    leader = AdvisoryLocks(engines[0])
    assert leader.lead(name)
    follower = JobRunner([counter.job("follower", name)], AdvisoryLocks(engines[1]))
    follower.start()
    try:
        assert not AdvisoryLocks(engines[1]).lead(name)  # the lock is held
        engines[0].dispose()  # not enough: checked-out connections stay open ...
        for connection in list(leader._held.values()):  # ... so drop them as a crash does
            connection.invalidate()
        assert poll(lambda: counter.runs.get("follower", 0) >= 2)
    finally:
        follower.stop()


def _held_job(name: str) -> tuple[Job, threading.Event, threading.Event]:
    inside, release = threading.Event(), threading.Event()

    def run() -> str:
        inside.set()
        assert release.wait(60)
        return "done"

    return Job(name, 0.05, run), inside, release


def test_run_now_is_refused_while_the_scheduled_run_is_under_way() -> None:
    job, inside, release = _held_job("held")
    runner = JobRunner([job], OneProcess())
    runner.start()
    try:
        assert inside.wait(60)  # the scheduled run is under way
        with pytest.raises(AlreadyRunning):
            runner.run_now("held")
    finally:
        release.set()
        runner.stop()
    assert runner.run_now("held") == "done"  # nothing under way: it runs
    with pytest.raises(KeyError):
        runner.run_now("no-such-job")


@needs_postgresql
def test_a_run_under_way_on_one_server_holds_off_every_other(
        engines: tuple[Engine, Engine]) -> None:
    """The run lock is an advisory lock of its own: the lead stays where it is, and a run
    asked for on another server waits for no one and is refused."""
    name = f"run-{os.getpid()}-{threading.get_ident()}"
    leader, other = AdvisoryLocks(engines[0]), AdvisoryLocks(engines[1])
    assert leader.lead(name)
    try:
        with other.running(name) as free:  # not the leader, but nothing is running
            assert free
            with leader.running(name) as again:
                assert not again
        with leader.running(name) as free:
            assert free
    finally:
        leader.resign(name)
