"""The edge's health figures for its heartbeat: frames per second and p99 latencies.

Counters are per reporting interval: ``snapshot()`` returns the figures since the previous
snapshot and starts a new interval, so a heartbeat says how the gate is doing *now*.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from officegate.protocol.messages import Heartbeat

_MAX_SAMPLES = 5000  # a 30 fps camera over a 60 s interval is 1800 frames


def p99(samples: list[float]) -> float | None:
    """The 99th percentile (nearest rank) of ``samples``; None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)], 3)


class EdgeHealth:
    """Collects frame, decode and decision timings from the agent (thread-safe)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._interval_start = self._started
        self._frames = 0
        self._decode_ms: list[float] = []
        self._decision_ms: list[float] = []

    def frame(self, decode_ms: float) -> None:
        """One frame was read and decoded in ``decode_ms``."""
        with self._lock:
            self._frames += 1
            if len(self._decode_ms) < _MAX_SAMPLES:
                self._decode_ms.append(decode_ms)

    def decision(self, latency_ms: float) -> None:
        """One decision took ``latency_ms`` from frame to relay/LED."""
        with self._lock:
            if len(self._decision_ms) < _MAX_SAMPLES:
                self._decision_ms.append(latency_ms)

    @property
    def uptime(self) -> float:
        """Seconds since the agent started."""
        return self._clock() - self._started

    def interval(self) -> tuple[float, float | None, float | None]:
        """``(fps, decode_p99_ms, decision_p99_ms)`` since the last call; starts a new interval."""
        with self._lock:
            now = self._clock()
            elapsed = max(now - self._interval_start, 1e-6)
            figures = (round(self._frames / elapsed, 2), p99(self._decode_ms),
                       p99(self._decision_ms))
            self._interval_start = now
            self._frames = 0
            self._decode_ms = []
            self._decision_ms = []
        return figures


def heartbeat(*, device: str, site: str, health: EdgeHealth, outbox_depth: int,
              outbox_dropped: int, keyset_version: int, revocations_version: int | None,
              config_version: int | None, reconnects: int) -> Heartbeat:
    """A Heartbeat from the current health interval and the given counters."""
    fps, decode, decision = health.interval()
    return Heartbeat(
        device=device, site=site, at=time.time(), uptime_s=round(health.uptime, 1), fps=fps,
        decode_p99_ms=decode, decision_p99_ms=decision, outbox_depth=outbox_depth,
        outbox_dropped=outbox_dropped, keyset_version=keyset_version,
        revocations_version=revocations_version, config_version=config_version,
        reconnects=reconnects,
    )
