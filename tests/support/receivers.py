"""Local HTTP servers standing in for services on the internet (a push service, a webhook, an
API): real HTTP on 127.0.0.1, a free port, a thread of their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .polling import WAIT


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[int]:
    """Run ``handler`` on a free port of ``host`` until the block ends; yields the port."""
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output free of access-log lines."""

    def log_message(self, *_args: Any) -> None:
        pass


@dataclass
class Receiver:
    """A local endpoint recording every POST (apprise json://, a Web Push service); it answers
    410 Gone under a path containing ``/gone``, 201 otherwise."""

    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, count: int = 1, timeout: float = WAIT) -> list[dict[str, Any]]:
        """Block until ``count`` requests came in (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.arrived.wait(0.1)
        return list(self.requests)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A :class:`Receiver` listening on a free local port until the block ends."""
    rec = Receiver()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with rec.arrived:
                rec.requests.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body, "at": time.perf_counter()})
                rec.arrived.notify_all()
            self.send_response(410 if "/gone" in self.path else 201)
            self.send_header("content-length", "0")
            self.end_headers()

    with serving(Handler) as port:
        rec.port = port
        yield rec
