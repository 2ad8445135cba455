"""Live across servers: a host notice or chat update made on one server reaches a page
connected to another, through the broker both share; a server never gets its own twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from support.polling import poll

from officegate.mqtt import BrokerAddress
from officegate.server.messaging.live import LiveHub
from officegate.server.notify.feed import LiveFeed
from officegate.server.relay import LiveRelay


class Server:
    """What one server runs for live pages: a host feed, a chat hub, their relay."""

    def __init__(self, broker: BrokerAddress, site: str, name: str) -> None:
        self.feed, self.hub = LiveFeed(), LiveHub()
        self.relay = LiveRelay(broker=broker, site=site, client_id=f"og-test-{name}")
        self.feed.relay = self.relay.register("feed", self.feed.deliver)
        self.hub.relay = self.relay.register("hub", self.hub.deliver)
        self.relay.start()


@pytest.fixture
def servers(mqtt_broker: BrokerAddress) -> Iterator[tuple[Server, Server]]:
    site = f"live{uuid.uuid4().hex[:8]}"
    a, b = Server(mqtt_broker, site, "a"), Server(mqtt_broker, site, "b")
    assert poll(lambda: a.relay.connected and b.relay.connected)
    yield a, b
    a.relay.stop()
    b.relay.stop()


async def _first_notices(feed: LiveFeed, user_id: int, count: int,
                         publish: object) -> list[dict[str, object]]:
    stream = feed.stream(user_id)
    assert await anext(stream) == ": connected\n\n"
    await asyncio.to_thread(publish)  # type: ignore[arg-type]
    got = []
    while len(got) < count:
        text = await asyncio.wait_for(anext(stream), 20)
        if text.startswith("event: notice"):
            got.append(json.loads(text.split("data: ", 1)[1]))
    await stream.aclose()
    return got


def test_a_host_notice_made_on_one_server_reaches_a_page_on_the_other(
        servers: tuple[Server, Server]) -> None:
    a, b = servers

    def publish() -> None:
        assert a.feed.publish(7, {"id": 1, "text": "Aiko is 3 minutes away"}) == 0
        a.feed.publish(8, {"id": 2, "text": "someone else's"})
        a.feed.publish(7, {"id": 3, "text": "Aiko checked in"})

    got = asyncio.run(_first_notices(b.feed, 7, 2, publish))
    assert [n["text"] for n in got] == ["Aiko is 3 minutes away", "Aiko checked in"]


def test_the_publishing_server_delivers_once(servers: tuple[Server, Server]) -> None:
    a, b = servers

    async def run() -> list[str]:
        queue = a.hub.subscribe("contact:5")
        await asyncio.to_thread(a.hub.publish, "contact:5", {"id": 1, "body": "hello"})
        await asyncio.to_thread(poll, lambda: b.relay.received >= 1)  # went round the broker
        await asyncio.sleep(0.2)
        items = []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    items = asyncio.run(run())
    assert [json.loads(i)["body"] for i in items] == ["hello"]  # not again from the relay
    assert a.relay.received == 0


def test_chat_updates_cross_servers(servers: tuple[Server, Server]) -> None:
    a, b = servers

    async def run() -> dict[str, object]:
        queue = b.hub.subscribe("staff:9")
        await asyncio.to_thread(a.hub.publish, "staff:9", {"id": 4, "body": "Wi-Fi?"})
        return json.loads(await asyncio.wait_for(queue.get(), 20))

    assert asyncio.run(run())["body"] == "Wi-Fi?"


def test_a_malformed_relay_message_is_ignored(servers: tuple[Server, Server],
                                             mqtt_broker: BrokerAddress) -> None:
    _a, b = servers
    from officegate.mqtt import make_client

    client = make_client(client_id=f"og-test-junk-{uuid.uuid4().hex[:6]}", broker=mqtt_broker)
    client.connect(mqtt_broker.host, mqtt_broker.port)
    client.loop_start()
    try:
        for junk in (b"[" * 5000, b"not json", json.dumps({"o": "x", "k": "feed"}).encode()):
            client.publish(b.relay.topic, junk, qos=1).wait_for_publish(10)
    finally:
        client.loop_stop()
        client.disconnect()
    b.feed.publish(1, {"id": 1})  # still working
    assert b.relay.received == 0
