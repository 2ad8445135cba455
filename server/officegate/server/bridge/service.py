"""The MQTT bridge: publishes the site's retained state and ingests device messages.

One paho client with a fixed id and a persistent session (clean_session=False), so QoS 1
events sent while the server was away are delivered when it returns. paho runs callbacks in
its network thread: each message gets its own short-lived database session, and nothing a
device sends can raise out of a callback (that would stop the network loop).
A watchdog thread raises an alert for a device offline (by its last will) longer than
``offline_alert_after`` seconds.

With ``share_group``, several servers split events and heartbeats (MQTT shared
subscriptions, see sharing.py). Statuses stay unshared: they are retained (a shared
subscription gets no retained messages) and a device's online/offline must be read in order.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from officegate.mqtt import BrokerAddress, SubscribeOnConnect, make_client
from officegate.protocol import Reason, topics
from officegate.protocol.messages import AccessEvent, DoorEvent, Heartbeat
from officegate.server.access import passback
from officegate.server.bridge.home_assistant import HomeAssistant
from officegate.server.bridge.sharing import Handover, shared
from officegate.server.bridge.takeover import Ack, ShareMembership
from officegate.server.bridge.writer import MAX_PAYLOAD, EventWriter, Incoming
from officegate.server.db import session_scope
from officegate.server.devices import health
from officegate.server.devices import service as devices
from officegate.server.journey import JourneyBus, JourneyEvent, Kind
from officegate.server.keys import service as keys
from officegate.server.keys.vault import Keyring
from officegate.server.sites import service as sites
from officegate.server.visits import service as visits

log = logging.getLogger(__name__)


class SiteBridge:
    """Connects one site's server to the broker. ``start()`` / ``stop()``."""

    def __init__(self, *, broker: BrokerAddress, sessions: sessionmaker[Session], site: str,
                 keyring: Keyring, client_id: str | None = None,
                 journey: JourneyBus | None = None, offline_alert_after: float = 120.0,
                 watch_seconds: float = 5.0, home_assistant: str | None = None,
                 share_group: str | None = None, no_show_minutes: int = 10,
                 watch_offline: bool = True) -> None:
        self.broker = broker
        self.journey = journey
        self.site = site
        self._sessions = sessions
        self._keyring = keyring
        self.client_id = client_id or f"officegate-server-{site}"
        self.offline_alert_after = offline_alert_after
        self._watch_seconds = watch_seconds
        self._watching = threading.Event()
        # Its own offline watchdog, unless the runtime's job runner runs check_offline (then
        # one server of several does).
        self._watchdog: threading.Thread | None = threading.Thread(
            target=self._watch_offline, name="offline-watchdog", daemon=True) \
            if watch_offline else None
        self.connected = threading.Event()
        # Counts of what happened to incoming messages: stored, duplicate, rejected, failed.
        self.stats: Counter[str] = Counter()
        self._client = make_client(client_id=self.client_id, broker=broker, clean_session=False)
        # "connected" means subscribed: set when the broker acknowledges the SUBSCRIBE, so
        # nothing sent after start() returns (an event, a Home Assistant command) is missed.
        self._subscriptions = SubscribeOnConnect(self._client, self._on_subscribed)
        # Acknowledge an event only after it is committed (or judged unusable), so a
        # database hiccup leaves it with the broker instead of losing it.
        self._client.manual_ack_set(True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        # Events handed to the writer and not yet acknowledged (for a clean handover).
        self._unacked = 0
        self._unacked_lock = threading.Lock()
        self._writer = EventWriter(sessions=sessions, ack=self._ack_event, stats=self.stats,
                                   on_stored=self._tell_journey, send=self.send_command,
                                   on_door=self._door_event)
        self._handlers: dict[str, Callable[[str, bytes], bool]] = {
            "status": self._handle_status,
            "heartbeat": self._handle_heartbeat,
        }
        self.share_group = share_group or None
        self._shared = [shared(topics.all_device_events(), self.share_group, "bridge"),
                        shared(topics.ALL_DEVICE_HEARTBEATS, self.share_group, "bridge")]
        self._handover: Handover | None = None
        if self.share_group:
            self._handover = Handover(self._client, self.client_id, self._shared)
            self._client.on_unsubscribe = self._handover.on_unsubscribe
            self._handlers["handover"] = self._handover.marker
        # Home Assistant discovery under this prefix (e.g. "homeassistant"); None = off.
        self.home_assistant = None
        if home_assistant:
            self.home_assistant = HomeAssistant(prefix=home_assistant, site=site,
                                                sessions=sessions, publish=self._publish,
                                                send_command=self.send_command,
                                                no_show_minutes=no_show_minutes)
            self._handlers.update(self.home_assistant.handlers())
            topic, payload = self.home_assistant.will()  # room entities go unavailable
            self._client.will_set(topic, payload, qos=1, retain=True)
        # A crashed server's share of the events is taken over by a live one (takeover.py);
        # events taken so are acknowledged to that session through _taken (negative mids).
        self.membership: ShareMembership | None = None
        self._taken: dict[int, Ack] = {}
        self._taken_mid = 0
        if self.share_group:
            self.membership = ShareMembership(
                broker=broker, group_purpose=f"{self.share_group}-bridge",
                client_id=self.client_id, filters=self._all_filters(),
                deliver=self._deliver_taken)

    def start(self, *, wait: float = 10.0) -> None:
        """Connect in the background; wait up to ``wait`` seconds for the first connection."""
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._writer.start()
        self._client.loop_start()
        if self.membership is not None:
            self.membership.start()
        if self._watchdog is not None:
            self._watchdog.start()
        if not self.connected.wait(wait):
            log.warning("MQTT broker %r not reachable yet; retrying in the background",
                        self.broker)

    def stop(self) -> None:
        """Disconnect and stop the network and watchdog threads.

        In a share group, first hand this server's share of the events back to the broker,
        so the other servers take the rest of the stream."""
        self._watching.set()
        handed_back = self._handover is not None and self._handover.hand_back(
            settled=lambda: self._unacked == 0)
        if self._handover is not None and not handed_back:
            log.warning("MQTT bridge %s stopped before handing back all its events; a live "
                        "server takes over this client id", self.client_id)
        if self.membership is not None:
            self.membership.stop(handed_back=handed_back)
        self._writer.stop()
        if self.home_assistant is not None:
            self.home_assistant.stop()
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    # -- incoming -----------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any,
                    reason_code: Any, _props: Any) -> None:
        if reason_code.is_failure:
            log.error("MQTT connection refused: %s", reason_code)
            return
        events, heartbeats = self._shared
        subscriptions = [(events, 1), (topics.all_device_status(), 1), (heartbeats, 0)]
        if self._handover is not None:
            subscriptions += self._handover.subscriptions()
        if self.home_assistant is not None:
            subscriptions += self.home_assistant.subscriptions(self.share_group)
        self._subscriptions.subscribe(subscriptions)
        try:
            self.publish_all()
        except Exception:  # a bad row must not stop the bridge from connecting
            log.exception("could not publish the site state")

    def _all_filters(self) -> list[str]:
        """Every filter the bridge's session subscribes to but its handover marker."""
        filters = [self._shared[0], topics.all_device_status(), self._shared[1]]
        if self.home_assistant is not None:
            filters += [f for f, _qos in self.home_assistant.subscriptions(self.share_group)]
        return filters

    def _deliver_taken(self, topic: str, payload: bytes, ack: Ack) -> None:
        """A message from a crashed server's session: events are stored as ours (once by
        id); the rest (statuses this bridge got itself, heartbeats) is only acknowledged."""
        if topic.rsplit("/", 1)[-1] != "events":
            ack()
            return
        with self._unacked_lock:
            self._taken_mid -= 1
            mid = self._taken_mid
            self._taken[mid] = ack
        self._writer.submit(Incoming(topic, payload, mid, 1))

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("MQTT broker refused the bridge's subscriptions %s", refused)
        self.connected.set()
        log.info("MQTT bridge connected to %r as %s", self.broker, self.client_id)

    def _on_message(self, client: mqtt.Client, _userdata: Any,
                    message: mqtt.MQTTMessage) -> None:
        ack = True
        try:
            kind = message.topic.rsplit("/", 1)[-1]
            if kind == "events":  # stored in batches; the writer acknowledges after commit
                ack = False
                if message.qos > 0:
                    with self._unacked_lock:
                        self._unacked += 1
                self._writer.submit(Incoming(message.topic, bytes(message.payload),
                                             message.mid, message.qos))
                return
            handler = self._handlers.get(kind)
            if handler is None:
                self.stats["ignored"] += 1
            else:
                ack = handler(message.topic, bytes(message.payload))
        except Exception:
            log.exception("unexpected error handling a message on %s", message.topic[:200])
            self.stats["failed"] += 1
        finally:
            if ack and message.qos > 0:
                client.ack(message.mid, message.qos)

    def _ack_event(self, mid: int, qos: int) -> None:
        if mid < 0:  # taken over from a crashed server's session
            with self._unacked_lock:
                taken = self._taken.pop(mid, None)
            if taken is not None:
                taken()
            return
        self._client.ack(mid, qos)
        with self._unacked_lock:
            self._unacked -= 1

    def _reject(self, topic: str, why: str) -> bool:
        log.warning("rejected message on %s: %s", topic[:200], why[:300])
        self.stats["rejected"] += 1
        return True  # acknowledged: resending it would not make it valid

    def _tell_journey(self, event: AccessEvent) -> None:
        """A stored access event of a visit is a journey step (gate passed, or denied)."""
        if self.journey is None or event.visit_id is None:
            return
        accepted = event.reason == Reason.ACCEPTED.value
        kind = "gate_passed" if accepted else "access_denied"
        self.journey.publish(JourneyEvent(
            kind=Kind(kind), key=f"{kind}:{event.id}", at=datetime.fromtimestamp(event.at, UTC),
            visit_id=event.visit_id, site=event.site,
            data={"device": event.device, "reason": event.reason, "detail": event.detail,
                  "event_id": event.id}))

    def _handle_status(self, topic: str, payload: bytes) -> bool:
        device = topics.device_of(topic)
        status = payload.decode("utf-8", "replace").strip()
        if device is None or status not in (topics.ONLINE, topics.OFFLINE):
            return self._reject(topic, "status must be 'online' or 'offline'")
        try:
            with session_scope(self._sessions) as db:
                health.record_status(db=db, name=device, status=status)
        except SQLAlchemyError:
            log.exception("could not store the status of %s", device)
            return False
        self.stats["status"] += 1
        return True

    def _handle_heartbeat(self, topic: str, payload: bytes) -> bool:
        device = topics.device_of(topic)
        try:
            beat = Heartbeat.from_json(payload[:MAX_PAYLOAD])
        except ValueError as exc:
            return self._reject(topic, str(exc))
        if beat.device != device:
            return self._reject(topic, f"heartbeat names {beat.device!r}, topic {device!r}")
        try:
            with session_scope(self._sessions) as db:
                health.record_heartbeat(db=db, beat=beat)
        except SQLAlchemyError:
            log.exception("could not store the heartbeat of %s", device)
        self.stats["heartbeat"] += 1
        return True

    def check_offline(self) -> list[str]:
        """Raise alerts for devices offline too long now; returns their names."""
        with session_scope(self._sessions) as db:
            return health.alert_overdue_offline(
                db=db, site=self.site, after=timedelta(seconds=self.offline_alert_after))

    def _watch_offline(self) -> None:
        while not self._watching.wait(self._watch_seconds):
            try:
                self.check_offline()
            except Exception:  # the watchdog must outlive a database hiccup
                log.exception("offline check failed; will retry")

    # -- outgoing (retained) ------------------------------------------------------------

    def _publish(self, topic: str, payload: bytes) -> None:
        self._client.publish(topic, payload, qos=1, retain=True)

    def send_command(self, name: str, command: dict[str, object]) -> None:
        """Send a one-off command (not retained) to a device's ``cmd`` topic, QoS 1."""
        self._client.publish(topics.device_cmd(name), json.dumps(command), qos=1)

    def publish_keys(self) -> None:
        """Publish the site's KeySet (every key not yet retired, with code keys)."""
        with session_scope(self._sessions) as db:
            site = sites.get_site(db=db, code=self.site)
            keyset = keys.build_keyset(db=db, site=site, keyring=self._keyring)
        self._publish(topics.site_keys(self.site), keyset.to_json())

    def publish_revocations(self) -> None:
        """Publish the site's revoked, unexpired pass ids."""
        with session_scope(self._sessions) as db:
            site = sites.get_site(db=db, code=self.site)
            revocations = visits.build_revocations(db=db, site=site)
        self._publish(topics.site_revocations(self.site), revocations.to_json())

    def publish_device_config(self, name: str) -> None:
        """Publish one device's DeviceConfig."""
        with session_scope(self._sessions) as db:
            config = devices.device_config(db=db, device=devices.get_device(db=db, name=name))
        self._publish(topics.device_config(name), config.to_json())
        if self.home_assistant is not None and config.kind != "vending":
            self.home_assistant.publish_mode(name, config.mode)

    def publish_all(self) -> None:
        """Publish keys, revocations and every device config of the site."""
        self.publish_keys()
        self.publish_revocations()
        with session_scope(self._sessions) as db:
            names = [d.name for d in devices.list_devices(db=db, site=self.site)]
        for name in names:
            self.publish_device_config(name)
        with session_scope(self._sessions) as db:
            catch_up = passback.full_state(db=db, site_devices=names)
        for name, command in catch_up:
            self.send_command(name, command)
        if self.home_assistant is not None:
            self.home_assistant.publish_discovery()

    def _door_event(self, event: DoorEvent) -> None:
        if self.home_assistant is not None:
            self.home_assistant.door_event(event)
