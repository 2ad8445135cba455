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
        return _wait(self.arrived, self.requests, count, timeout)


def _wait(arrived: threading.Condition, items: list[Any], count: int, timeout: float
          ) -> list[Any]:
    """Block until ``items`` holds ``count`` (or ``timeout`` passes); a copy of them."""
    deadline = time.monotonic() + timeout
    with arrived:
        while len(items) < count and time.monotonic() < deadline:
            arrived.wait(0.1)
    return list(items)


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


@dataclass
class MailReceiver:
    """A real SMTP server (aiosmtpd) on a free local port, keeping every message."""

    port: int = 0
    messages: list[Any] = field(default_factory=list)  # email.message.EmailMessage
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = WAIT) -> list[Any]:
        """Block until ``count`` messages came in (or the timeout passes)."""
        return _wait(self.arrived, self.messages, count, timeout)


@contextmanager
def running_smtp() -> Iterator[MailReceiver]:
    """A :class:`MailReceiver` listening on 127.0.0.1 until the block ends."""
    from aiosmtpd.controller import Controller

    from officegate.server.broker import free_port

    inbox = MailReceiver()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = int(controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@contextmanager
def serving_app(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port (real HTTP, lifespan included) until
    the block ends; yields its base URL."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
