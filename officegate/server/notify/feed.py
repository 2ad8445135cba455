"""The live feed of the host page: Server-Sent Events fed from any thread."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

KEEPALIVE_S = 15.0


class LiveFeed:
    """Per-user fan-out of notices to open SSE connections (each an asyncio queue)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, list[tuple[asyncio.AbstractEventLoop,
                                              asyncio.Queue[dict[str, Any]]]]] = defaultdict(list)

    def publish(self, user_id: int, item: dict[str, Any]) -> int:
        """Queue ``item`` for every open feed of ``user_id``; returns how many got it."""
        with self._lock:
            listeners = list(self._listeners.get(user_id, ()))
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # that connection's loop is gone; it unregisters itself
                pass
        return len(listeners)

    def listeners(self, user_id: int) -> int:
        """How many feeds of ``user_id`` are open."""
        with self._lock:
            return len(self._listeners.get(user_id, ()))

    async def stream(self, user_id: int) -> AsyncIterator[str]:
        """The SSE text of one connection: notices as ``event: notice``, keepalive comments."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners[user_id].append(entry)
        try:
            yield ": connected\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                data = json.dumps(item, ensure_ascii=False)
                yield f"event: notice\nid: {item.get('id', '')}\ndata: {data}\n\n"
        finally:
            with self._lock:
                self._listeners[user_id].remove(entry)
