"""The live feed of the host page: Server-Sent Events fed from any thread."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

KEEPALIVE_S = 15.0
# The notices a reconnecting page missed, oldest first.
Missed = Callable[[], Awaitable[list[dict[str, Any]]]]


class LiveFeed:
    """Per-user fan-out of notices to open SSE connections (each an asyncio queue)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, list[tuple[asyncio.AbstractEventLoop,
                                              asyncio.Queue[dict[str, Any]]]]] = defaultdict(list)
        # Set by the runtime when several servers share the site (relay.py): every item
        # published here is also sent to the other servers' feeds.
        self.relay: Callable[[str, Any], None] | None = None
        self._closed = False

    def publish(self, user_id: int, item: dict[str, Any]) -> int:
        """Queue ``item`` for every open feed of ``user_id`` here and on the other servers;
        returns how many feeds of this server got it."""
        if self.relay is not None:
            self.relay(str(user_id), item)
        return self.deliver(user_id, item)

    def deliver(self, user_id: int | str, item: dict[str, Any]) -> int:
        """Queue ``item`` for this server's open feeds of ``user_id`` only."""
        with self._lock:
            listeners = list(self._listeners.get(int(user_id), ()))
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # that connection's loop is gone; it unregisters itself
                pass
        return len(listeners)

    def close(self) -> None:
        """End every open stream (their pages reconnect to a server that runs) and any
        opened later: a stopping server must not wait on connections that never end."""
        with self._lock:
            self._closed = True
            listeners = [entry for entries in self._listeners.values() for entry in entries]
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(_close_queue, queue)
            except RuntimeError:  # that connection's loop is gone already
                pass

    def listeners(self, user_id: int) -> int:
        """How many feeds of ``user_id`` are open."""
        with self._lock:
            return len(self._listeners.get(user_id, ()))

    async def stream(self, user_id: int, *, missed: Missed | None = None) -> AsyncIterator[str]:
        """The SSE text of one connection: notices as ``event: notice`` (``id`` = notice id),
        keepalive comments. ``missed`` gives the notices a reconnecting page did not see
        (after its ``Last-Event-ID``); they come first, and nothing is sent twice."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            if self._closed:
                return
            self._listeners[user_id].append(entry)
        try:
            yield ": connected\n\n"
            # Listening already, so a notice made while the backlog is read is not lost.
            newest = 0
            for item in await missed() if missed is not None else []:
                newest = max(newest, _id(item))
                yield _event(item)
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if item is _CLOSED:
                    return
                if 0 < _id(item) <= newest:
                    continue  # already sent from the backlog
                yield _event(item)
        finally:
            with self._lock:
                self._listeners[user_id].remove(entry)


# Put in every queue by close(): the stream ends (compared by identity).
_CLOSED: dict[str, Any] = {"type": "closed"}


def _close_queue(queue: asyncio.Queue[dict[str, Any]]) -> None:
    """Put the end mark in ``queue``, making room when it is full (the page reloads)."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(_CLOSED)


def _id(item: dict[str, Any]) -> int:
    value = item.get("id")
    return value if isinstance(value, int) else 0


def _event(item: dict[str, Any]) -> str:
    data = json.dumps(item, ensure_ascii=False)
    return f"event: notice\nid: {item.get('id', '')}\ndata: {data}\n\n"
