"""Live updates for open chat windows and inboxes (server-sent events).

Writers run in any thread (a request, the MQTT bridge); readers are async SSE responses.
Each reader gets its own asyncio queue; publishing hands the payload to the reader's loop.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any


class LiveHub:
    """Topic -> subscribers: ``contact:<id>`` (the visitor's view), ``staff:<id>`` (with notes)."""

    def __init__(self) -> None:
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]]] = (
            defaultdict(set))
        self._lock = threading.Lock()
        # Set by the runtime (relay.py): what is published here also reaches other servers.
        self.relay: Callable[[str, Any], None] | None = None

    def subscribe(self, topic: str) -> asyncio.Queue[str]:
        """A queue that receives every payload published on ``topic`` from now on."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=200)
        with self._lock:
            self._subs[topic].add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, topic: str, queue: asyncio.Queue[str]) -> None:
        """Stop delivering to ``queue``."""
        with self._lock:
            self._subs[topic] = {s for s in self._subs[topic] if s[1] is not queue}

    def watching(self, topic: str) -> bool:
        """True when a reader on this server follows ``topic`` (an open chat window)."""
        with self._lock:
            return bool(self._subs.get(topic))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Hand ``payload`` (JSON-able) to every subscriber of ``topic`` here and on the
        other servers; never blocks."""
        if self.relay is not None:
            self.relay(topic, payload)
        self.deliver(topic, payload)

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        """Hand ``payload`` to this server's subscribers of ``topic`` only."""
        text = json.dumps(payload, ensure_ascii=False, default=str)
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for loop, queue in subs:
            try:
                loop.call_soon_threadsafe(_offer, queue, text)
            except RuntimeError:  # that reader's loop is gone
                self.unsubscribe(topic, queue)


def _offer(queue: asyncio.Queue[str], text: str) -> None:
    if not queue.full():  # a reader too slow for 200 updates reloads the timeline anyway
        queue.put_nowait(text)
