"""OwnTracks in MQTT mode: ``owntracks/{user}/{device}`` (location) and ``.../event``
(transition). The broker authenticates the phone and its ACL keeps each user under its own
topic (production), so the topic's user names the visit; the payload is checked as strictly
as in HTTP mode, and anything unusable is logged and dropped without changing a thing."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from officegate.mqtt import BrokerAddress, SubscribeOnConnect, make_client
from officegate.server.arrival.owntracks import BadLocation
from officegate.server.errors import OfficeGateError

log = logging.getLogger(__name__)
MAX_PAYLOAD = 16 * 1024

# ingest(user, payload, now) -> the cmd objects to send back to the phone
Ingest = Callable[[str, bytes, float], list[dict[str, Any]]]


class OwnTracksListener:
    """Subscribes to OwnTracks topics and feeds the arrival decision. ``start()``/``stop()``."""

    def __init__(self, *, broker: BrokerAddress, ingest: Ingest, client_id: str,
                 prefix: str = "owntracks") -> None:
        self.prefix = prefix
        self.stats: Counter[str] = Counter()
        self._broker = broker
        self._ingest = ingest
        self._client = make_client(client_id=client_id, broker=broker, clean_session=True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._subscriptions = SubscribeOnConnect(self._client, self._on_subscribed)

    def start(self) -> None:
        """Connect in the background."""
        self._client.connect_async(self._broker.host, self._broker.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("OwnTracks listener refused by broker: %s", reason)
            return
        self._subscriptions.subscribe([(f"{self.prefix}/+/+", 1),
                                       (f"{self.prefix}/+/+/event", 1)])

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("OwnTracks listener: the broker refused %s", refused)
        self.stats["connected"] += 1  # subscribed: a phone's next fix reaches us

    def _on_message(self, client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        parts = message.topic.split("/")
        if len(parts) not in (3, 4) or message.retain:
            # Retained fixes are old news, not the phone arriving now.
            self.stats["ignored"] += 1
            return
        user, device = parts[1], parts[2]
        if len(message.payload) > MAX_PAYLOAD:
            self.stats["rejected"] += 1
            return
        try:
            cmds = self._ingest(user, bytes(message.payload), time.time())
        except (BadLocation, OfficeGateError) as exc:
            log.info("OwnTracks message from %s refused: %s", user[:32], exc)
            self.stats["rejected"] += 1
            return
        except Exception:
            log.exception("OwnTracks message from %s failed", user[:32])
            self.stats["failed"] += 1
            return
        self.stats["accepted"] += 1
        for cmd in cmds:
            client.publish(f"{self.prefix}/{user}/{device}/cmd", json.dumps(cmd), qos=1)
