"""A crashed server's share of the device events, taken over by the servers still running.

Mosquitto deals a share group's events round robin to every persistent session in it,
connected or not: the share of a server that died (``kill -9``, power cut) would wait for it
to come back under the same client id. Session expiry does not help: an expired session's
queue, and the events in flight to it, are dropped, not dealt again.

So each part that follows a share group (the bridge, the room listener, the vending link)
keeps a :class:`ShareMembership`: a small clean-session client whose retained presence,
``officegate/shares/<group>-<purpose>/<name>``, says ``online`` and whose last will says
``offline``. When a member's will fires, the first live member (lowest client id) connects
*as the dead member's client id* (:func:`drain`): the broker resumes that session and sends
what was queued or in flight; the part stores each (ingest is idempotent by event id, so a
redelivered event is stored once), the session's filters are unsubscribed (the broker deals
everything to the live members from then on), and a marker published after the UNSUBACK
coming back says the queue is empty. The presence is then cleared (as after a clean stop), so
retained presences do not pile up. A dead server that
returns simply reconnects under its id (taking its session back, should the drain still
run) and subscribes again.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt

from officegate.mqtt import BrokerAddress, SubscribeOnConnect, make_client
from officegate.protocol import topics
from officegate.server.bridge.sharing import Handover

log = logging.getLogger(__name__)
Ack = Callable[[], None]
# (topic, payload, ack): store the message, then call ack (at once or from another thread).
Deliver = Callable[[str, bytes, Ack], None]
ONLINE, OFFLINE, GONE = "online", "offline", "gone"


def presence_topic(group_purpose: str, client_id: str) -> str:
    """Where ``client_id``'s presence in ``group_purpose`` is kept (retained)."""
    name = re.sub(r"[/+#$\x00]", "_", client_id)  # a topic level, not a filter
    return f"{topics.ROOT}/shares/{group_purpose}/{name}"


def drain(*, broker: BrokerAddress, client_id: str, filters: list[str], deliver: Deliver,
          timeout: float = 30.0) -> bool:
    """Connect as ``client_id`` (a dead member), hand each queued or in-flight message to
    ``deliver``, unsubscribe ``filters`` and wait until the queue is empty and every message
    acknowledged. False when that did not finish (the owner came back, or ``timeout``)."""
    client = make_client(client_id=client_id, broker=broker, clean_session=False)
    client.manual_ack_set(True)
    handover = Handover(client, client_id, filters)
    client.on_unsubscribe = handover.on_unsubscribe
    connected, gone = threading.Event(), threading.Event()
    lock = threading.Lock()
    outstanding = [0]

    def on_connect(_c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            connected.set()

    def on_disconnect(c: mqtt.Client, _u: Any, _f: Any, _r: Any, _p: Any) -> None:
        gone.set()  # taken back by its owner, or the broker went: never reconnect
        c.disconnect()

    def on_message(c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        mid, qos = message.mid, message.qos
        if message.topic == handover.topic:
            handover.marker(message.topic, bytes(message.payload))
            c.ack(mid, qos)
            return

        def ack() -> None:
            if qos > 0 and not gone.is_set():
                c.ack(mid, qos)
            with lock:
                outstanding[0] -= 1

        with lock:
            outstanding[0] += 1
        try:
            deliver(message.topic, bytes(message.payload), ack)
        except Exception:  # left unacknowledged: it stays with the session
            log.exception("taking over %s: a message on %s failed", client_id,
                          message.topic[:200])

    client.on_connect, client.on_disconnect = on_connect, on_disconnect
    client.on_message = on_message
    try:
        client.connect(broker.host, broker.port, keepalive=30)
    except OSError:
        return False
    client.loop_start()
    try:
        if not connected.wait(min(timeout, 10.0)):
            return False
        done = handover.hand_back(timeout=timeout, settled=lambda: outstanding[0] <= 0)
        return done and not gone.is_set()
    finally:
        client.disconnect()
        client.loop_stop()


class ShareMembership:
    """One part's presence in its share group, and the takeover of dead members' sessions.

    ``filters``: what the part's session subscribes to (all unsubscribed on a takeover);
    ``deliver``: how the part stores a message taken from a dead member's session.
    """

    def __init__(self, *, broker: BrokerAddress, group_purpose: str, client_id: str,
                 filters: list[str], deliver: Deliver) -> None:
        self.broker = broker
        self.client_id = client_id
        self.filters = filters
        self.deliver = deliver
        self.taken_over: list[str] = []  # client ids drained by this member
        self._group_purpose = group_purpose
        self._prefix = f"{topics.ROOT}/shares/{group_purpose}/"
        self._own = presence_topic(group_purpose, client_id)
        self._members: dict[str, str] = {}  # client id -> state
        self._topics: dict[str, str] = {}  # presence topic -> client id
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._client = make_client(
            client_id=f"{client_id[:48]}-p{secrets.token_hex(4)}", broker=broker,
            clean_session=True, will=(self._own, self._state(OFFLINE)))
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._subscriptions = SubscribeOnConnect(self._client, self._on_subscribed)

    def _state(self, state: str, client_id: str | None = None) -> bytes:
        return json.dumps({"state": state, "client_id": client_id or self.client_id}).encode()

    def start(self) -> None:
        """Connect in the background (reconnects by itself)."""
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=10)
        self._client.loop_start()

    def stop(self, *, handed_back: bool) -> None:
        """Leave the group: the presence is cleared when the part handed its share back,
        else it says ``offline`` (a live member then drains what is left)."""
        self._stopping.set()
        if self._client.is_connected():
            payload = b"" if handed_back else self._state(OFFLINE)
            self._client.publish(self._own, payload, 1, retain=True).wait_for_publish(5)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            self._subscriptions.subscribe([(self._prefix + "+", 1)])

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("share presence refused by the broker: %s", refused)
        self._client.publish(self._own, self._state(ONLINE), 1, retain=True)

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            data = json.loads(message.payload) if message.payload else {}
            member, state = str(data.get("client_id", "")), str(data.get("state", ""))
        except (ValueError, AttributeError):
            return
        with self._lock:
            if not message.payload:  # cleared: that member left or was taken over
                member, state = self._topics.get(message.topic, ""), GONE
            self._topics[message.topic] = member
            if not member or member == self.client_id:
                return
            self._members[member] = state
        if state == OFFLINE:
            self._maybe_take_over(member)

    def _first_alive(self) -> bool:
        with self._lock:
            alive = {m for m, s in self._members.items() if s == ONLINE} | {self.client_id}
        return min(alive) == self.client_id

    def _maybe_take_over(self, member: str) -> None:
        with self._lock:
            if member in self._busy:
                return
            self._busy.add(member)
        threading.Thread(target=self._take_over, args=(member,), daemon=True,
                         name=f"takeover-{member[:20]}").start()

    def _take_over(self, member: str) -> None:
        try:
            for attempt in range(20):
                if self._stopping.is_set():
                    return
                with self._lock:
                    state = self._members.get(member)
                if state != OFFLINE:
                    return  # back online, or another member finished it
                if self._first_alive():
                    started = time.monotonic()
                    if drain(broker=self.broker, client_id=member, filters=self.filters,
                             deliver=self.deliver):
                        self._client.publish(presence_topic(self._group_purpose, member),
                                             b"", 1, retain=True)
                        self.taken_over.append(member)
                        log.warning("took over the share of %s (it went away without "
                                    "handing it back) in %.1f s", member,
                                    time.monotonic() - started)
                        return
                time.sleep(1.0 + secrets.randbelow(1000) / 1000 * min(attempt + 1, 5))
            log.error("could not take over the share of %s", member)
        finally:
            with self._lock:
                self._busy.discard(member)
