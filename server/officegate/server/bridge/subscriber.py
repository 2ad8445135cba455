"""A domain's own MQTT client on every device's events topic, acknowledging after commit.

The access log (the bridge), room occupancy and vending each store what is theirs from the
same ``officegate/devices/+/events`` stream, on their own persistent session, so one domain's
slow or failing database work never holds back another's. This is the part they share.
With ``share_group``, servers split each purpose's stream (``$share/<group>-<purpose>/...``,
see sharing.py), and a clean stop hands this server's share back first.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

import paho.mqtt.client as mqtt

from officegate.mqtt import BrokerAddress, SubscribeOnConnect, make_client
from officegate.protocol import topics
from officegate.server.bridge.sharing import Handover, shared
from officegate.server.bridge.takeover import Ack, ShareMembership

log = logging.getLogger(__name__)


class DeviceEventsSubscriber:
    """Subclasses implement :meth:`handle`; its return value says whether to acknowledge.

    ``handle`` returns False to leave a message with the broker (the database is unreachable:
    it comes again after a reconnect) and True once it is stored or judged unusable.
    """

    label = "device events"

    def __init__(self, *, broker: BrokerAddress, client_id: str,
                 share_group: str | None = None, purpose: str = "events") -> None:
        self.broker = broker
        self.client_id = client_id
        self.connected = threading.Event()
        self.stats: Counter[str] = Counter()
        self._client = make_client(client_id=client_id, broker=broker, clean_session=False)
        self._client.manual_ack_set(True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._subscriptions = SubscribeOnConnect(self._client, self._on_subscribed)
        self._filter = shared(topics.all_device_events(), share_group, purpose)
        self._handover: Handover | None = None
        self.membership: ShareMembership | None = None
        if share_group:
            self._handover = Handover(self._client, client_id, [self._filter])
            self._client.on_unsubscribe = self._handover.on_unsubscribe
            # A crashed server's share is taken over by a live one (takeover.py).
            self.membership = ShareMembership(
                broker=broker, group_purpose=f"{share_group}-{purpose}", client_id=client_id,
                filters=[self._filter], deliver=self._deliver_taken)

    def start(self, *, wait: float = 0.0) -> None:
        """Connect in the background; wait up to ``wait`` s for the first connection."""
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()
        if self.membership is not None:
            self.membership.start()
        if wait and not self.connected.wait(wait):
            log.warning("%s: MQTT broker not reachable yet; retrying in the background",
                        self.label)

    def stop(self) -> None:
        """Disconnect and stop the network thread (in a share group, after handing this
        server's share back: messages are handled in the network thread, so once the
        marker is back, all before it are acknowledged)."""
        handed_back = self._handover is not None and self._handover.hand_back()
        if self._handover is not None and not handed_back:
            log.warning("%s: stopped before handing back all its events; a live server "
                        "takes over client id %s", self.label, self.client_id)
        if self.membership is not None:
            self.membership.stop(handed_back=handed_back)
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def _deliver_taken(self, topic: str, payload: bytes, ack: Ack) -> None:
        """A message from a crashed server's session: handled as our own."""
        if self.handle(topic, payload):
            ack()

    def handle(self, topic: str, payload: bytes) -> bool:
        """Deal with one message; True to acknowledge it."""
        raise NotImplementedError

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason_code: Any,
                    _p: Any) -> None:
        if reason_code.is_failure:
            log.error("%s: MQTT connection refused: %s", self.label, reason_code)
            return
        self._subscriptions.subscribe([(self._filter, 1)] + (
            self._handover.subscriptions() if self._handover is not None else []))

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("%s: MQTT broker refused the subscriptions %s", self.label, refused)
        self.connected.set()  # subscribed: no event sent from now on is missed

    def _on_message(self, client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        ack = True
        try:
            if self._handover is not None and message.topic == self._handover.topic:
                ack = self._handover.marker(message.topic, bytes(message.payload))
                return
            ack = self.handle(message.topic, bytes(message.payload))
        except Exception:  # nothing a device sends may stop the network loop
            log.exception("%s: failed on a message on %s", self.label, message.topic[:200])
            self.stats["failed"] += 1
        finally:
            if ack and message.qos > 0:
                client.ack(message.mid, message.qos)
