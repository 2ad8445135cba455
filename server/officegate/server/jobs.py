"""Scheduled sweeps, each run by one server at a time: one leader per job.

Every sweep of the server (no-show release, calendar feeds, arrival reminders and day-end
check-out, proactive notices, offline doors) is a :class:`Job` with a name and an interval.
The :class:`JobRunner` runs each job on its own thread, and before each run asks the
leadership whether this server leads that job:

- on PostgreSQL, a session-level advisory lock keyed by the job's name, held on a connection
  of the job's own: the first server to take it runs the job; when that server stops or dies
  its connection closes, the lock goes with it, and another server takes the job over at its
  next tick (within one interval);
- on SQLite (the embedded default: one process), this process always leads.

Leading a job and running it are two locks: the lead is held between runs, while
``running(name)`` is held only while a run is under way, by the scheduled run and by an
admin's "run now" alike (:meth:`JobRunner.run_now`), so two runs of a job never overlap on
any server (an advisory lock of its own on PostgreSQL; a lock in this process on SQLite).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """A sweep: ``run()`` every ``every`` seconds (first after ``first_after``, default
    ``every``) on the one server that leads ``name``."""

    name: str
    every: float
    run: Callable[[], object]
    first_after: float | None = None


class Leadership(Protocol):
    """Who runs a job: ``lead(name)`` is True while this server leads it."""

    def lead(self, name: str) -> bool:
        """Take or keep the lead of ``name``; False when another server has it."""
        ...

    def resign(self, name: str) -> None:
        """Give the lead of ``name`` back (on stop)."""
        ...

    def running(self, name: str) -> AbstractContextManager[bool]:
        """Hold the run lock of ``name`` for the block: True when this run may go ahead,
        False when a run of the job is already under way (here or on another server)."""
        ...


class AlreadyRunning(Exception):
    """A run of the job is already under way."""


class _LocalRuns:
    """Run locks inside this process (one per job name)."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def running(self, name: str) -> Iterator[bool]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        taken = lock.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                lock.release()


class OneProcess(_LocalRuns):
    """The embedded default: a single server leads every job."""

    def lead(self, name: str) -> bool:
        """Always this process."""
        return True

    def resign(self, name: str) -> None:
        """Nothing to give back."""


def lock_key(name: str, *, kind: str = "job") -> int:
    """The advisory-lock key of a job name (``kind`` "job": its lead, "run": a run under
    way): a stable signed 64-bit integer."""
    return int.from_bytes(hashlib.sha256(f"officegate-{kind}:{name}".encode()).digest()[:8],
                          "big", signed=True)


class AdvisoryLocks:
    """Leadership through PostgreSQL advisory locks, one connection per job held while
    leading (a server that dies loses its connection, and with it the lead)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def lead(self, name: str) -> bool:
        """Keep the lead if the connection still holds it, else try to take it."""
        with self._lock:
            held = self._held.get(name)
        if held is not None:
            try:
                held.execute(text("SELECT 1"))  # still connected: the lock is still ours
                return True
            except DBAPIError:
                log.warning("job %s: lost the database connection that held its lead", name)
                self._drop(name)
        connection = self._engine.connect()
        try:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": lock_key(name)}).scalar())
            connection.commit()
        except DBAPIError:
            connection.close()
            raise
        if not taken:
            connection.close()  # holds nothing: back to the pool
            return False
        with self._lock:
            self._held[name] = connection
        log.info("this server now runs the job %s", name)
        return True

    def resign(self, name: str) -> None:
        """Release the lock and drop its connection."""
        self._drop(name)

    @contextmanager
    def running(self, name: str) -> Iterator[bool]:
        """The run lock: an advisory lock of its own on a connection held for the run."""
        key = lock_key(name, kind="run")
        connection = self._engine.connect()
        try:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": key}).scalar())
            connection.commit()
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        finally:
            connection.close()

    def _drop(self, name: str) -> None:
        with self._lock:
            connection = self._held.pop(name, None)
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
        except DBAPIError:  # already gone: so is the lock
            pass
        # Never back into the pool: a pooled connection would keep a session lock alive.
        connection.invalidate()
        connection.close()


def leadership_for(engine: Engine) -> Leadership:
    """Advisory locks on PostgreSQL; one process leads everything on SQLite."""
    return AdvisoryLocks(engine) if engine.dialect.name == "postgresql" else OneProcess()


class JobRunner:
    """Runs jobs on their intervals, each on its own thread, where this server leads them."""

    def __init__(self, jobs: list[Job], leadership: Leadership) -> None:
        self.jobs = jobs
        self.leadership = leadership
        self.runs: dict[str, int] = {job.name: 0 for job in jobs}  # runs done here
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}",
                                          daemon=True) for job in jobs]

    def start(self) -> None:
        """Start every job's thread."""
        for thread in self._threads:
            thread.start()

    def run_now(self, name: str) -> object:
        """Run the job ``name`` at once in this thread (an admin's "run now"), under the same
        run lock as the scheduled runs; returns what the run returns. AlreadyRunning when a
        run is under way, KeyError for an unknown job."""
        job = next((j for j in self.jobs if j.name == name), None)
        if job is None:
            raise KeyError(name)
        with self.leadership.running(name) as free:
            if not free:
                raise AlreadyRunning(name)
            return job.run()

    def stop(self) -> None:
        """Stop the threads (a run under way finishes) and give every lead back."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        for job in self.jobs:
            self.leadership.resign(job.name)

    def _loop(self, job: Job) -> None:
        wait = job.every if job.first_after is None else job.first_after
        while not self._stop.wait(wait):
            wait = job.every
            try:
                if not self.leadership.lead(job.name):
                    continue
                with self.leadership.running(job.name) as free:
                    if not free:  # an admin's "run now" is under way: next tick
                        log.info("job %s: a run is already under way; skipped", job.name)
                        continue
                    job.run()
                self.runs[job.name] += 1
            except Exception:  # a failed run is retried at the next tick
                log.exception("job %s failed; will retry", job.name)
