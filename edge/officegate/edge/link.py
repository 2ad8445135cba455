"""The edge's MQTT link: availability, retained keys/revocations/config in, events out.

- Last will ``offline`` (retained) on the device's status topic; ``online`` (retained) is
  published after subscribing, on every (re)connect.
- Persistent session (fixed client id = device name, clean_session False), QoS 1.
- Retained KeySet, Revocations and DeviceConfig update the verifier and the on-disk cache.
- Commands on ``cmd`` go to a dict of handlers by name (``{"command": "unlock"}``).
- The outbox is drained with QoS 1; an event leaves the outbox only on the broker's PUBACK.
- A heartbeat (fps, p99 latencies, outbox depth, key/config versions) goes out every
  ``heartbeat_seconds``; a lost link is logged as a WARNING and counted in it (reconnects).
The link never blocks the gate: it connects in the background and reconnects with backoff.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from officegate.edge.cache import EdgeCache
from officegate.edge.health import EdgeHealth, heartbeat
from officegate.edge.outbox import Outbox
from officegate.edge.verifier import EdgeVerifier
from officegate.mqtt.client import BrokerAddress, SubscribeOnConnect, make_client
from officegate.protocol import KeySet, topics
from officegate.protocol.messages import DeviceConfig, Revocations

log = logging.getLogger(__name__)

CommandHandler = Callable[[dict[str, Any]], None]

#: An event handed to paho but not acknowledged within this time is offered again.
_INFLIGHT_RETRY_SECONDS = 60.0
_DRAIN_BATCH = 200


class EdgeLink:
    """One device's MQTT connection. ``start()`` returns at once; ``stop()`` says goodbye."""

    def __init__(
        self,
        *,
        device: str,
        site: str,
        broker: BrokerAddress,
        outbox: Outbox,
        verifier: EdgeVerifier,
        cache: EdgeCache | None = None,
        commands: dict[str, CommandHandler] | None = None,
        keepalive: int = 30,
        health: EdgeHealth | None = None,
        heartbeat_seconds: float = 30.0,
    ) -> None:
        self.device = device
        self.site = site
        self.broker = broker
        self.outbox = outbox
        self.verifier = verifier
        self.cache = cache
        self.commands = dict(commands or {})
        self.keepalive = keepalive
        self.health = health or EdgeHealth()
        self.heartbeat_seconds = heartbeat_seconds
        self.reconnects = 0  # successful connections after the first one
        self._connections = 0
        self._next_heartbeat = 0.0
        self._status = topics.device_status(device)
        self._handlers: dict[str, Callable[[bytes], None]] = {
            topics.device_config(device): self._on_config,
            topics.site_keys(site): self._on_keys,
            topics.site_revocations(site): self._on_revocations,
            topics.device_cmd(device): self._on_cmd,
        }
        # Only the drain thread publishes events; paho calls on_publish while holding its own
        # lock, so on_publish takes nothing but this small map lock (no lock-order deadlock).
        self._map_lock = threading.Lock()
        self._inflight: dict[int, tuple[str, float]] = {}  # mid -> (event id, handed over at)
        self._acked_early: set[int] = set()  # PUBACK seen before we recorded the mid
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._drainer = threading.Thread(target=self._drain_loop, name=f"{device}-outbox",
                                         daemon=True)
        self.connected = threading.Event()
        self.client = make_client(
            client_id=device, broker=broker, clean_session=False,
            will=(self._status, topics.OFFLINE),
        )
        self._subscriptions = SubscribeOnConnect(self.client, self._on_subscribed)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish

    # Lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background (returns at once, retries until the broker is there)."""
        self.client.connect_async(self.broker.host, self.broker.port, self.keepalive)
        self.client.loop_start()
        self._drainer.start()

    def stop(self) -> None:
        """Publish ``offline`` (retained), disconnect and stop the network thread."""
        self._stopping.set()
        self._wake.set()
        if self._drainer.is_alive():
            self._drainer.join(timeout=5)
        if self.connected.is_set():
            info = self.client.publish(self._status, topics.OFFLINE, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                pass  # going away anyway; the last will says offline if this did not
        self.client.disconnect()
        self.client.loop_stop()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected and subscribed (tests and start-up); True if in time."""
        return self.connected.wait(timeout)

    # paho callbacks (network thread) ---------------------------------------------------
    def _on_connect(self, client: mqtt.Client, _userdata: object, _flags: object,
                    reason_code: Any, _properties: object) -> None:
        if reason_code.is_failure:
            log.warning("broker refused %s: %s", self.device, reason_code)
            return
        # The link is "connected" (and says "online") only once the broker has acknowledged
        # the subscriptions, so no command sent to an online gate can be missed.
        self._subscriptions.subscribe([(t, 1) for t in self._handlers])

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:  # a broker ACL that forgot us: visible, and the gate still reports
            log.warning("%s: the broker refused the subscriptions %s", self.device, refused)
        self.client.publish(self._status, topics.ONLINE, qos=1, retain=True)
        self.connected.set()
        self._connections += 1
        self.reconnects = max(0, self._connections - 1)
        log.info("%s connected to %s", self.device, self.broker.url())
        self._next_heartbeat = 0.0  # report at once: the server may have missed us
        self.wake()

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                       reason_code: Any, _properties: object) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if was_connected and not self._stopping.is_set():
            # Visible, not silent: the gate keeps deciding, events wait in the outbox.
            log.warning("%s lost the broker link (%s); deciding offline, %d events waiting, "
                        "reconnecting with backoff 1-30 s", self.device, reason_code,
                        len(self.outbox))

    def _on_message(self, _client: mqtt.Client, _userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        handler = self._handlers.get(message.topic)
        if handler is None or not message.payload:
            return  # an empty retained message only clears the topic; keep what we have
        try:
            handler(bytes(message.payload))
        except ValueError as exc:
            log.warning("ignored bad message on %s: %s", message.topic, exc)

    def _on_publish(self, _client: mqtt.Client, _userdata: object, mid: int,
                    _reason_code: Any, _properties: object) -> None:
        with self._map_lock:
            entry = self._inflight.pop(mid, None)
            if entry is None:
                if len(self._acked_early) > 1000:
                    self._acked_early.clear()  # stale acks of re-sent messages; stay bounded
                self._acked_early.add(mid)
        if entry is not None:
            self.outbox.mark_sent(entry[0])

    # Incoming documents ----------------------------------------------------------------
    def _on_keys(self, payload: bytes) -> None:
        keys = KeySet.from_json(payload)
        self.verifier.update_keys(keys)
        if self.cache is not None:
            self.cache.save_keys(keys)
        log.info("keyset v%s for %s: %d keys", keys.version, keys.site, len(keys.keys))

    def _on_revocations(self, payload: bytes) -> None:
        revocations = Revocations.from_json(payload)
        self.verifier.update_revocations(revocations)
        if self.cache is not None:
            self.cache.save_revocations(revocations)
        log.info("revocations v%s: %d passes", revocations.version, len(revocations.pass_ids))

    def _on_config(self, payload: bytes) -> None:
        config = DeviceConfig.from_json(payload)
        self.verifier.update_config(config)
        if self.cache is not None:
            self.cache.save_config(config)
        log.info("config v%s: zone %s, mode %s", config.version, config.zone, config.mode)

    def _on_cmd(self, payload: bytes) -> None:
        try:
            command = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("command is not JSON") from None
        if not isinstance(command, dict) or not isinstance(command.get("command"), str):
            raise ValueError('command must be a JSON object with a "command" name')
        handler = self.commands.get(command["command"])
        if handler is None:
            raise ValueError(f"unknown command {command['command']!r}")
        handler(command)

    # Outgoing events -------------------------------------------------------------------
    def wake(self) -> None:
        """Tell the link there are events to send (call after each ``Outbox.put``)."""
        self._wake.set()

    def _drain_loop(self) -> None:
        while not self._stopping.is_set():
            # Also look every few seconds, for events whose PUBACK never came.
            self._wake.wait(timeout=min(5.0, self.heartbeat_seconds))
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self._maybe_heartbeat()
            except Exception:  # a heartbeat is nice to have; the events are what matter
                log.exception("heartbeat failed")
            try:
                if self._drain() >= _DRAIN_BATCH // 2:
                    self._wake.set()  # more may be waiting behind this batch
            except Exception:  # the drainer must outlive a bad moment (disk, socket)
                log.exception("outbox drain failed; will retry")

    def _maybe_heartbeat(self) -> None:
        now = time.monotonic()
        if not self.connected.is_set() or now < self._next_heartbeat:
            return
        self._next_heartbeat = now + self.heartbeat_seconds
        revocations = self.verifier.revocations
        config = self.verifier.config
        beat = heartbeat(
            device=self.device, site=self.site, health=self.health,
            outbox_depth=len(self.outbox), outbox_dropped=self.outbox.dropped,
            keyset_version=self.verifier.keys.version,
            revocations_version=revocations.version if revocations else None,
            config_version=config.version if config else None, reconnects=self.reconnects)
        self.client.publish(topics.device_heartbeat(self.device), beat.to_json(), qos=0)

    def _drain(self) -> int:
        """Hand pending outbox events to the broker (QoS 1); returns how many were sent now."""
        if not self.connected.is_set():
            return 0
        sent = 0
        topic = topics.device_events(self.device)
        now = time.monotonic()
        with self._map_lock:
            # paho re-sends its in-flight messages after a reconnect; only offer again what
            # has waited far too long (it may have been lost with a fresh session).
            for mid, (_event_id, since) in list(self._inflight.items()):
                if now - since > _INFLIGHT_RETRY_SECONDS:
                    del self._inflight[mid]
            waiting = {event_id for event_id, _ in self._inflight.values()}
        for event in self.outbox.pending(_DRAIN_BATCH):
            if event.id in waiting:
                continue
            info = self.client.publish(topic, event.payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break  # connection dropped mid-drain; on_connect wakes us again
            with self._map_lock:
                acked = info.mid in self._acked_early
                self._acked_early.discard(info.mid)
                if not acked:
                    self._inflight[info.mid] = (event.id, now)
            if acked:
                self.outbox.mark_sent(event.id)
            sent += 1
        return sent
