"""Short-lived MQTT clients for tests: publish, wait for a message, forget persistent sessions."""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from officegate.mqtt import BrokerAddress, make_client

from .polling import WAIT


def forget_sessions(broker: BrokerAddress, client_ids: Iterable[str]) -> None:
    """Drop the persistent sessions of ``client_ids`` (connect once with clean_session), so a
    shared broker does not queue messages for them after the test."""
    for client_id in client_ids:
        cleaner = make_client(client_id=client_id, broker=broker, clean_session=True)
        try:
            cleaner.connect(broker.host, broker.port, 10)
            cleaner.loop_start()
            cleaner.disconnect()
            cleaner.loop_stop()
        except OSError:
            pass


def publish(broker: BrokerAddress, topic: str, payloads: list[bytes], *,
            retain: bool = False) -> None:
    """Publish ``payloads`` at QoS 1 and wait until the broker has acknowledged each."""
    client = make_client(client_id=f"og-test-pub-{secrets.token_hex(4)}", broker=broker,
                         clean_session=True)
    client.connect(broker.host, broker.port, 30)
    client.loop_start()
    try:
        for payload in payloads:
            client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT)
    finally:
        client.disconnect()
        client.loop_stop()


def wait_for_message(broker: BrokerAddress, topic: str,
                     accept: Callable[[bytes], bool] = lambda _p: True,
                     timeout: float = WAIT) -> bytes:
    """Subscribe to ``topic`` and return the first payload ``accept`` likes (retained too)."""
    inbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
    client = make_client(client_id=f"og-test-sub-{secrets.token_hex(4)}", broker=broker,
                         clean_session=True)

    def on_connect(c: Any, _u: Any, _f: Any, _rc: Any, _p: Any) -> None:
        c.subscribe(topic, qos=1)

    client.on_connect = on_connect
    client.on_message = lambda _c, _u, m: inbox.put((m.topic, m.payload))
    client.connect(broker.host, broker.port, 30)
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got, payload = inbox.get(timeout=left)
            except queue.Empty:
                break
            if got != topic:
                # amqtt 0.12 sometimes hands a new subscriber a retained message of another
                # topic (seen with the embedded broker, never with Mosquitto): skip it.
                continue
            if accept(payload):
                return payload
        raise AssertionError(f"no acceptable message on {topic} within {timeout} s")
    finally:
        client.disconnect()
        client.loop_stop()


def retained_topics(broker: BrokerAddress, patterns: Iterable[str] = ("#",),
                    quiet: float = 0.5, limit: float = 30.0) -> set[str]:
    """The topics that hold a retained message now (read until the broker has been quiet for
    ``quiet`` seconds)."""
    seen: set[str] = set()
    last = [time.monotonic()]

    def on_message(_c: Any, _u: Any, m: Any) -> None:
        if m.retain and m.payload:
            seen.add(m.topic)
        last[0] = time.monotonic()

    client = make_client(client_id=f"og-test-retained-{secrets.token_hex(4)}", broker=broker,
                         clean_session=True)
    client.on_message = on_message
    client.connect(broker.host, broker.port, 30)
    client.loop_start()
    try:
        for pattern in patterns:
            client.subscribe(pattern, qos=0)
        started = time.monotonic()
        while time.monotonic() - last[0] < quiet and time.monotonic() - started < limit:
            time.sleep(0.05)
        time.sleep(quiet)
        while time.monotonic() - last[0] < quiet and time.monotonic() - started < limit:
            time.sleep(0.05)
    finally:
        client.disconnect()
        client.loop_stop()
    return seen


def clear_retained(broker: BrokerAddress, topic_names: Iterable[str]) -> int:
    """Clear the retained message of each topic (an empty retained publish); returns how many."""
    names = sorted(topic_names)
    if not names:
        return 0
    client = make_client(client_id=f"og-test-clear-{secrets.token_hex(4)}", broker=broker,
                         clean_session=True)
    client.connect(broker.host, broker.port, 30)
    client.loop_start()
    try:
        sent = [client.publish(name, b"", qos=1, retain=True) for name in names]
        for info in sent:
            info.wait_for_publish(WAIT)
    finally:
        client.disconnect()
        client.loop_stop()
    return len(names)


def connect_answer(address: BrokerAddress, client_id: str) -> tuple[Any, str]:
    """Connect as ``client_id`` and return (the running paho client, the broker's CONNACK
    reason as text, e.g. "Success" or "Not authorized"); the caller disconnects it."""
    answer: list[str] = []
    done = threading.Event()
    client = make_client(client_id=client_id, broker=address, clean_session=True)

    def on_connect(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        answer.append(str(reason))
        done.set()

    client.on_connect = on_connect
    client.connect(address.host, address.port, 30)
    client.loop_start()
    done.wait(10)
    return client, answer[0] if answer else "no answer"
