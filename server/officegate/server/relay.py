"""Live events across servers: what one server's pages stream reaches every server's.

Host notices (notify/feed.py) and chat and inbox updates (messaging/live.py) are fanned out to
the SSE connections of the server that made them. With several servers behind a proxy, a
browser may be connected to another one; the relay carries each live item over the MQTT
broker every server already shares (``officegate/sites/{site}/live``, QoS 1, not retained)
and each server hands the items of the others to its own connections. A page that reconnects
to another server resumes from ``Last-Event-ID`` out of the shared database as before.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from officegate.mqtt import BrokerAddress, SubscribeOnConnect, make_client

log = logging.getLogger(__name__)
MAX_ITEM_BYTES = 256 * 1024
Deliver = Callable[[str, Any], object]  # (key, item) to this server's own connections


def live_topic(site: str) -> str:
    """The topic the servers of ``site`` exchange live items on."""
    return f"officegate/sites/{site}/live"


class LiveRelay:
    """One MQTT link per server: ``forward(kind)`` gives the callback a local hub calls on
    publish; items from other servers go to the ``deliver`` registered for their kind."""

    def __init__(self, *, broker: BrokerAddress, site: str, client_id: str) -> None:
        self.origin = f"{client_id[:40]}-{secrets.token_hex(4)}"  # this process, uniquely
        self.topic = live_topic(site)
        self._broker = broker
        self._deliver: dict[str, Deliver] = {}
        self.received = 0  # items from other servers handed to our connections
        self._client = make_client(client_id=self.origin, broker=broker, clean_session=True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._subscriptions = SubscribeOnConnect(self._client, self._on_subscribed)
        self.connected = False

    def register(self, kind: str, deliver: Deliver) -> Callable[[str, Any], None]:
        """Hand items of ``kind`` from other servers to ``deliver``; returns the forwarder
        the local hub calls with each item it publishes itself."""
        self._deliver[kind] = deliver

        def forward(key: str, item: Any) -> None:
            payload = json.dumps({"o": self.origin, "k": kind, "key": key, "item": item},
                                 ensure_ascii=False, default=str).encode()
            if len(payload) > MAX_ITEM_BYTES:
                log.warning("live %s item for %s too large to relay (%d bytes)", kind, key,
                            len(payload))
                return
            self._client.publish(self.topic, payload, qos=1)

        return forward

    def start(self) -> None:
        """Connect in the background (reconnects by itself)."""
        self._client.connect_async(self._broker.host, self._broker.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, _client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("live relay refused by the broker: %s", reason)
            return
        self._subscriptions.subscribe([(self.topic, 1)])

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("live relay: the broker refused %s", refused)
        self.connected = True

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            data = json.loads(message.payload)
            if not isinstance(data, dict) or data.get("o") == self.origin:
                return  # ours: already delivered here
            deliver = self._deliver.get(str(data.get("k")))
            if deliver is not None:
                deliver(data["key"], data["item"])
                self.received += 1
        except (ValueError, KeyError, TypeError, RecursionError):
            log.warning("ignored a malformed live item on %s", message.topic)
