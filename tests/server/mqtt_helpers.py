"""Small real-MQTT helpers for the server tests."""

from __future__ import annotations

import queue
import secrets
import time
from collections.abc import Callable
from typing import Any

from officegate.mqtt import BrokerAddress, make_client

WAIT = 10.0  # seconds: a generous bound for a local broker, not a speed assertion


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


def wait_until(check: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll ``check`` until it is true (messages arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
