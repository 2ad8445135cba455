"""Several servers splitting the device event stream: MQTT shared subscriptions.

With ``mqtt_share_group`` set, each purpose that follows device events (the bridge's access
log, the room listener, the vending link) subscribes as ``$share/<group>-<purpose>/...``:
the broker deals each event to one server of the group per purpose, so every purpose still
sees every event once. Each server then needs its own client id (:func:`client_id_for`).

Mosquitto deals shared messages round robin to every session of a group, connected or not,
and keeps a persistent session's share queued while it is away. A server stopping cleanly
therefore hands its share back first (:class:`Handover`); one that crashed gets its queued
share when it returns, under the same client id.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from officegate.protocol import topics
from officegate.server.settings import Settings

log = logging.getLogger(__name__)
SUFFIX_FILE = "mqtt-client-suffix"


def shared(topic_filter: str, group: str | None, purpose: str) -> str:
    """``topic_filter`` as a shared subscription of ``group``'s ``purpose`` (as is if no group)."""
    return f"$share/{group}-{purpose}/{topic_filter}" if group else topic_filter


def client_id_for(settings: Settings) -> str:
    """The server's MQTT client id: the configured one, else ``officegate-server-<site>``;
    in a share group ``officegate-server-<site>-<host>-<suffix>``, the suffix made once and
    kept in the data dir, so each server (and each restart of it) has its own stable id."""
    if settings.mqtt_client_id:
        return settings.mqtt_client_id
    if not settings.mqtt_share_group:
        return f"officegate-server-{settings.site}"
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname())[:16].strip("-") or "host"
    # At most 54 characters: "-rooms" and "-vending" still fit in 64.
    return f"officegate-server-{settings.site[:12]}-{host}-{_suffix(settings.data_dir)}"


def _suffix(data_dir: Path) -> str:
    path = data_dir / SUFFIX_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        value = path.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{6}", value):
            return value
        raise ValueError(f"{path} should hold six hex digits; delete it to make a new one"
                         ) from None
    value = secrets.token_hex(3)
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    return value


class Handover:
    """Gives a client's share of the events back to the broker before a clean stop.

    It unsubscribes from the shared filters (the broker then deals everything to the other
    servers), publishes a marker to its own topic after the UNSUBACK, and waits for the
    marker to come back: the broker queues a client's messages in order, so by then every
    event dealt to this client has arrived. ``settled`` says when those are all acknowledged.
    """

    def __init__(self, client: mqtt.Client, client_id: str, filters: list[str]) -> None:
        name = re.sub(r"[/+#$\x00]", "_", client_id)  # a name, not a filter
        self.topic = f"{topics.ROOT}/servers/{name}/handover"
        self._client = client
        self._filters = filters
        self._lock = threading.Lock()
        self._unsubscribe_mid: int | None = None
        self._unsubscribed = threading.Event()
        self._token = b""
        self._back = threading.Event()

    def subscriptions(self) -> list[tuple[str, int]]:
        """The marker's topic, to subscribe to with the rest."""
        return [(self.topic, 1)]

    def marker(self, _topic: str, payload: bytes) -> bool:
        """A message on the marker's topic (a handler: always acknowledged)."""
        if self._token and payload == self._token:
            self._back.set()
        return True

    def on_unsubscribe(self, _client: mqtt.Client, _u: Any, mid: int, _codes: Any,
                       _p: Any) -> None:
        """paho's on_unsubscribe callback."""
        with self._lock:
            if mid == self._unsubscribe_mid:
                self._unsubscribed.set()

    def hand_back(self, *, timeout: float = 15.0,
                  settled: Callable[[], bool] = lambda: True) -> bool:
        """Unsubscribe and take in what was dealt to this client; False if it could not
        (not connected, or ``timeout`` s passed: the rest waits for this client id)."""
        deadline = time.monotonic() + timeout
        if not self._client.is_connected():
            return False
        with self._lock:
            self._unsubscribe_mid = self._client.unsubscribe(self._filters)[1]
        if not self._unsubscribed.wait(timeout):
            return False
        self._token = secrets.token_hex(8).encode()
        self._client.publish(self.topic, self._token, qos=1)
        if not self._back.wait(max(0.0, deadline - time.monotonic())):
            return False
        while not settled():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True
