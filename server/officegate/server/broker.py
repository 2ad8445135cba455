"""The embedded MQTT broker: amqtt in a background thread, for zero set-up runs.

Production uses Mosquitto (see deploy/mosquitto/); this exists so that ``officegate demo``
and the test suite run on a machine with no broker installed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from officegate.mqtt.client import BrokerAddress

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the OS for a free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _broker_class() -> type[Any]:
    """amqtt's Broker, fixed so a client gets retained messages only for its own filters.

    amqtt 0.12 replays, on every CONNECT, the retained messages of *every* client's
    subscriptions to the connecting client (so an edge would receive other devices' configs).
    """
    from amqtt.broker import Broker  # server extra; imported only when used

    class OfficeGateBroker(Broker):  # type: ignore[misc]
        async def _publish_retained_messages_for_subscription(
            self, subscription: tuple[str, int], session: Any
        ) -> None:
            topic_filter = subscription[0]
            own = self._subscriptions.get(topic_filter, [])
            if any(s.client_id == session.client_id for s, _qos in own):
                await super()._publish_retained_messages_for_subscription(subscription, session)

    return OfficeGateBroker


class EmbeddedBroker:
    """An amqtt broker (MQTT 3.1.1) bound to 127.0.0.1 on a free port, run in its own thread.

    Use as a context manager, or ``start()`` / ``stop()``. ``start()`` returns the address,
    with the credentials to use. Clients must log in: amqtt keeps QoS 1 messages for an
    offline persistent session only when the client is not anonymous, and a local broker
    that anyone on the machine can write to would be a hole anyway. The password is random
    per start; the password file holds only its argon2 hash.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        username: str = "officegate",
        password: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password or secrets.token_urlsafe(18)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def address(self) -> BrokerAddress:
        if self.port is None:
            raise RuntimeError("broker not started")
        return BrokerAddress(
            host=self.host, port=self.port, username=self.username, password=self.password
        )

    def start(self, timeout: float = 10.0) -> BrokerAddress:
        """Start the broker and wait until it accepts connections."""
        if self._thread is not None:
            return self.address
        if self.port is None:
            self.port = free_port(self.host)
        self._thread = threading.Thread(target=self._run, name="embedded-mqtt", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("embedded MQTT broker did not start in time")
        if self._error is not None:
            raise RuntimeError(f"embedded MQTT broker failed to start: {self._error}")
        log.info("embedded MQTT broker listening on %s:%s", self.host, self.port)
        return self.address

    def _password_file(self) -> Path:
        from argon2 import PasswordHasher

        self._tmp = tempfile.TemporaryDirectory(prefix="officegate-broker-")
        path = Path(self._tmp.name) / "passwd"
        path.touch(mode=0o600)
        # The password is random (144 bits) per start, so a cheap hash loses nothing, and
        # every client login verifies it: the default argon2 cost slows a busy machine.
        hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        path.write_text(f"{self.username}:{hasher.hash(self.password)}\n")
        return path

    def _config(self) -> dict[str, Any]:
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.FileAuthPlugin": {
                    "password_file": str(self._password_file())
                },
            },
        }

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            self._broker = _broker_class()(self._config(), loop=loop)
            await self._broker.start()

        try:
            loop.run_until_complete(boot())
        except BaseException as exc:  # report to start(), do not die silently
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()

    def stop(self) -> None:
        """Shut the broker down and join its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            try:
                await self._broker.shutdown()
            finally:
                loop.stop()

        if loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), loop)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._ready.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
