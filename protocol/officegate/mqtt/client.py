"""Build every MQTT client OfficeGate uses (server bridge, edges, simulators, tests).

Only MQTT 3.1.1 features are on the required path (QoS 1, retained, last will, persistent
sessions), so the same code runs against Mosquitto and the embedded amqtt broker.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

DEFAULT_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883}


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where a broker listens and how to log in to it."""

    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None

    def url(self, *, with_password: bool = False) -> str:
        """The address as an ``mqtt://`` URL; the password is masked unless asked for."""
        scheme = "mqtts" if self.tls else "mqtt"
        auth = ""
        if self.username:
            secret = (self.password or "") if with_password else "***"
            auth = f"{self.username}:{secret}@" if self.password else f"{self.username}@"
        return f"{scheme}://{auth}{self.host}:{self.port}"

    def __repr__(self) -> str:  # never print a password by accident
        return f"BrokerAddress({self.url()})"


def parse_mqtt_url(url: str, *, ca_file: str | None = None) -> BrokerAddress:
    """Parse ``mqtt://user:pass@host:port`` (or ``mqtts://``) into a :class:`BrokerAddress`.

    Raises ``ValueError`` with the reason for anything that is not such a URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("MQTT URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise ValueError(f"MQTT URL has a bad port: {exc}") from None
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme in ("mqtts", "ssl"),
        ca_file=ca_file,
    )


def make_client(
    *,
    client_id: str,
    broker: BrokerAddress,
    clean_session: bool = False,
    will: tuple[str, bytes | str] | None = None,
    keepalive_hint: int | None = None,
) -> mqtt.Client:
    """Create (not connect) a paho-mqtt 2 client set up the OfficeGate way.

    - MQTT 3.1.1, callback API v2, a fixed client id and ``clean_session=False`` by default,
      so the broker keeps QoS 1 messages for us while we are away (persistent session).
    - ``will`` is ``(topic, payload)``, published retained at QoS 1 when we vanish.
    - The client's own outgoing queue is unbounded (``max_queued_messages_set(0)``):
      durability lives in the caller's outbox, but paho must never drop what it was given.
    - Reconnects back off from 1 s to 30 s.
    Connect with ``client.connect(broker.host, broker.port, keepalive)`` then ``loop_start()``.
    """
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=clean_session,
    )
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(50)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        context = ssl.create_default_context(cafile=broker.ca_file)
        client.tls_set_context(context)
    if will is not None:
        topic, payload = will
        client.will_set(topic, payload, qos=1, retain=True)
    return client


class SubscribeOnConnect:
    """One SUBSCRIBE for a client's topics on every (re)connect, and ``ready`` called when the
    broker has acknowledged it: "connected" then means "will receive", so nothing sent to a
    client that looks ready (a command, a relay) is missed while its SUBSCRIBE is in flight.

    ``ready(refused)`` runs in the network thread with the filters the broker refused (an ACL
    that forgot this client) — usually none.
    """

    def __init__(self, client: mqtt.Client, ready: Callable[[list[str]], None]) -> None:
        self._client = client
        self._ready = ready
        self._pending: tuple[int, list[str]] | None = None
        client.on_subscribe = self._on_subscribe

    def subscribe(self, subscriptions: list[tuple[str, int]]) -> None:
        """Send the SUBSCRIBE (call from on_connect); ``ready`` follows its SUBACK."""
        _result, mid = self._client.subscribe(subscriptions)
        if mid is not None:  # None: not connected; the next on_connect subscribes again
            self._pending = (mid, [topic for topic, _qos in subscriptions])

    def _on_subscribe(self, _client: mqtt.Client, _userdata: object, mid: int,
                      reason_codes: list[Any], _properties: object) -> None:
        if self._pending is None or mid != self._pending[0]:
            return
        refused = [topic for topic, code in zip(self._pending[1], reason_codes, strict=False)
                   if getattr(code, "is_failure", False)]
        self._ready(refused)
