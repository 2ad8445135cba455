"""Polling for outcomes that arrive asynchronously (over MQTT, HTTP, a thread): no timing is
asserted, only that the outcome comes within a generous bound."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT = 20.0  # seconds: generous for a local broker on a loaded 2-core CI machine


def poll(check: Callable[[], Any], timeout: float = WAIT, interval: float = 0.05) -> Any:
    """Call ``check`` until it returns something truthy or ``timeout`` passes; return its last
    value (falsy on timeout), for callers that assert with their own message or tolerate none."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_until(check: Callable[[], Any], timeout: float = WAIT, *,
               what: str = "the condition") -> Any:
    """Poll ``check`` until truthy and return that value; AssertionError after ``timeout``."""
    value = poll(check, timeout)
    if not value:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")
    return value


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
    """:func:`wait_until`, naming first what is awaited (reads well at long call sites)."""
    return wait_until(check, timeout, what=what)
