"""The embedded broker (the zero set-up default) makes clients log in."""

from __future__ import annotations

import dataclasses

import paho.mqtt.client as mqtt
import pytest

from officegate.mqtt.client import make_client
from officegate.server.broker import EmbeddedBroker


@pytest.fixture(scope="module")
def broker() -> EmbeddedBroker:
    with EmbeddedBroker() as running:
        yield running


def _connect_code(client: mqtt.Client, host: str, port: int) -> int:
    client.connect(host, port, keepalive=10)
    result: list[int] = []
    client.on_connect = lambda _c, _u, _f, rc, _p: result.append(rc.value)
    for _ in range(50):
        client.loop(timeout=0.1)
        if result:
            break
    client.disconnect()
    return result[0] if result else -1


def test_right_password_connects(broker: EmbeddedBroker) -> None:
    client = make_client(client_id="og-right", broker=broker.address, clean_session=True)
    assert _connect_code(client, broker.host, broker.address.port) == 0


@pytest.mark.parametrize("password", ["wrong", None])
def test_wrong_or_missing_password_is_refused(broker: EmbeddedBroker, password: str | None) -> None:
    address = dataclasses.replace(broker.address, password=password,
                                  username=None if password is None else broker.username)
    client = make_client(client_id="og-wrong", broker=address, clean_session=True)
    assert _connect_code(client, broker.host, broker.address.port) != 0
