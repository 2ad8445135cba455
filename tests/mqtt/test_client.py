"""The MQTT guarantees OfficeGate relies on, against the real broker in use.

Run against Mosquitto in CI (OFFICEGATE_TEST_MQTT_URL) and against the embedded amqtt broker
otherwise: QoS 1 messages wait for an offline persistent session, retained messages reach a
late subscriber, and a vanished client's last will is published.
"""

from __future__ import annotations

import queue
import socket
import uuid

import paho.mqtt.client as mqtt
import pytest

from officegate.mqtt.client import BrokerAddress, make_client, parse_mqtt_url


def _connect(client: mqtt.Client, broker: BrokerAddress, subscribe: str | None = None) -> None:
    connected: queue.Queue[bool] = queue.Queue()

    def on_connect(
        c: mqtt.Client, _u: object, flags: mqtt.ConnectFlags, rc: object, _p: object
    ) -> None:
        if subscribe:
            c.subscribe(subscribe, qos=1)
        connected.put(flags.session_present)

    client.on_connect = on_connect
    client.connect(broker.host, broker.port, keepalive=10)
    client.loop_start()
    connected.get(timeout=10)


def _collector(client: mqtt.Client) -> queue.Queue[mqtt.MQTTMessage]:
    got: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    client.on_message = lambda _c, _u, msg: got.put(msg)
    return got


def test_qos1_messages_wait_for_an_offline_persistent_session(mqtt_broker: BrokerAddress) -> None:
    topic = f"officegate/test/{uuid.uuid4().hex}/events"
    sub_id = f"og-test-sub-{uuid.uuid4().hex[:8]}"
    sub = make_client(client_id=sub_id, broker=mqtt_broker)
    _connect(sub, mqtt_broker, subscribe=topic)
    sub.disconnect()
    sub.loop_stop()

    pub = make_client(client_id=f"og-test-pub-{uuid.uuid4().hex[:8]}", broker=mqtt_broker)
    _connect(pub, mqtt_broker)
    for i in range(20):
        pub.publish(topic, f"event-{i}", qos=1).wait_for_publish(5)
    pub.disconnect()
    pub.loop_stop()

    sub2 = make_client(client_id=sub_id, broker=mqtt_broker)  # same id, persistent session
    got = _collector(sub2)
    _connect(sub2, mqtt_broker)
    payloads = sorted(got.get(timeout=10).payload.decode() for _ in range(20))
    sub2.disconnect()
    sub2.loop_stop()
    assert payloads == sorted(f"event-{i}" for i in range(20))


def test_retained_message_reaches_a_late_subscriber(mqtt_broker: BrokerAddress) -> None:
    topic = f"officegate/test/{uuid.uuid4().hex}/config"
    pub = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker)
    _connect(pub, mqtt_broker)
    pub.publish(topic, b'{"mode":"normal"}', qos=1, retain=True).wait_for_publish(5)
    pub.disconnect()
    pub.loop_stop()

    late = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker,
                       clean_session=True)
    got = _collector(late)
    _connect(late, mqtt_broker, subscribe=topic)
    msg = got.get(timeout=10)
    assert msg.payload == b'{"mode":"normal"}' and msg.retain
    late.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)  # clear it
    late.disconnect()
    late.loop_stop()


def test_last_will_marks_a_vanished_device_offline(mqtt_broker: BrokerAddress) -> None:
    topic = f"officegate/test/{uuid.uuid4().hex}/status"
    watcher = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker,
                          clean_session=True)
    got = _collector(watcher)
    _connect(watcher, mqtt_broker, subscribe=topic)

    device = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker,
                         clean_session=True, will=(topic, b"offline"))
    _connect(device, mqtt_broker)
    device.publish(topic, b"online", qos=1, retain=True).wait_for_publish(5)
    assert got.get(timeout=10).payload == b"online"
    # Kill the TCP connection without a DISCONNECT, as a power cut would.
    device.loop_stop()
    sock = device.socket()
    assert sock is not None
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    assert got.get(timeout=20).payload == b"offline"
    watcher.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    watcher.disconnect()
    watcher.loop_stop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker", BrokerAddress("broker", 1883)),
        ("mqtts://gate-1:s%40cret@broker:8884",
         BrokerAddress("broker", 8884, "gate-1", "s@cret", True)),
    ],
)
def test_parse_mqtt_url(url: str, expected: BrokerAddress) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize("url", ["http://broker", "mqtt://", "mqtt://host:99999", "broker:1883"])
def test_parse_mqtt_url_rejects_what_is_not_a_broker_url(url: str) -> None:
    with pytest.raises(ValueError):
        parse_mqtt_url(url)


def test_password_never_shows_in_repr() -> None:
    addr = parse_mqtt_url("mqtt://gate-1:topsecret@broker:1883")
    assert "topsecret" not in repr(addr) and "topsecret" not in addr.url()


def test_a_client_gets_retained_messages_only_for_its_own_subscriptions(
    mqtt_broker: BrokerAddress,
) -> None:
    """An edge must never be handed another device's retained config (amqtt 0.12 did that)."""
    base = f"officegate/test/{uuid.uuid4().hex}"
    other = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker)
    other_got = _collector(other)
    _connect(other, mqtt_broker, subscribe=f"{base}/other/config")
    other.publish(f"{base}/other/config", b"theirs", qos=1, retain=True).wait_for_publish(5)
    other.publish(f"{base}/mine/config", b"mine", qos=1, retain=True).wait_for_publish(5)
    assert other_got.get(timeout=10).payload == b"theirs"

    me = make_client(client_id=f"og-test-{uuid.uuid4().hex[:8]}", broker=mqtt_broker,
                     clean_session=True)
    got = _collector(me)
    _connect(me, mqtt_broker, subscribe=f"{base}/mine/config")
    first = got.get(timeout=10)
    assert (first.topic, first.payload) == (f"{base}/mine/config", b"mine")
    with pytest.raises(queue.Empty):
        got.get(timeout=1)
    for topic in (f"{base}/other/config", f"{base}/mine/config"):
        me.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
    for client in (me, other):
        client.disconnect()
        client.loop_stop()
