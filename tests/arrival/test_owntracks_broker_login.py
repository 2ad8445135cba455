"""OwnTracks in MQTT mode against a real Mosquitto: the set-up link gives the phone its own
broker login on the phones' listener, the ACL lets it write only under its own
``owntracks/{user}/``, and the login ends with the visit."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from faults.mosquitto import Mosquitto, free_port
from support.mqtt import connect_answer
from support.polling import poll

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.arrival.phone_broker import PHONE_ACL
from officegate.server.arrival.settings import OwnTracksSettings
from officegate.server.bootstrap import database_session
from officegate.server.db import utcnow
from officegate.server.settings import Settings
from officegate.server.visits.models import Visit

from .conftest import Office, at_distance, configure, invite, location
from .owntracks_payloads import messages


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, int, Path]]:
    """Mosquitto with the server's listener (anonymous, local) and the phones' listener
    (passwords and ACL from the files the server writes)."""
    files = tmp_path / "phones"
    files.mkdir()
    (files / "phones.passwd").write_text("")
    (files / "phones.acl").write_text("\n".join(PHONE_ACL))
    mosquitto = Mosquitto(tmp_path / "broker")
    phone_port = free_port()
    mosquitto.conf.write_text("\n".join([
        f"user {getpass.getuser()}", "per_listener_settings true",
        f"pid_file {files / 'mosquitto.pid'}",
        f"listener {mosquitto.port} 127.0.0.1", "allow_anonymous true",
        f"listener {phone_port} 127.0.0.1", "allow_anonymous false",
        f"password_file {files / 'phones.passwd'}", f"acl_file {files / 'phones.acl'}",
        f"log_dest file {mosquitto.log}", "log_type error", "log_type warning",
        "log_type notice", ""]))
    mosquitto.start()
    yield mosquitto, phone_port, files
    mosquitto.stop()


@pytest.fixture
def settings(settings: Settings, broker: tuple[Mosquitto, int, Path]) -> Settings:
    _mosquitto, phone_port, files = broker
    return settings.model_copy(update={"owntracks": OwnTracksSettings(
        mqtt_url=f"mqtt://127.0.0.1:{phone_port}", broker_dir=files,
        broker_pid_file=files / "mosquitto.pid")})


@pytest.fixture
def client(settings: Settings, office: Office, broker: tuple[Mosquitto, int, Path]
           ) -> Iterator[TestClient]:
    mosquitto = broker[0]
    app = create_app(settings, broker=BrokerAddress(host="127.0.0.1", port=mosquitto.port))
    with TestClient(app) as c:
        yield c


def _set_up(client: TestClient, office: Office, email: str) -> tuple[Any, dict[str, Any]]:
    phone = invite(client, office, email=email)
    assert client.post(f"/api/p/{phone.token}/arrival/consent").status_code == 200
    setup = client.post(f"/api/p/{phone.token}/owntracks").json()
    return phone, setup


def _login(otrc: dict[str, Any], password: str | None = None) -> tuple[mqtt.Client, str]:
    """Connect as the app would with its MQTT configuration; (client, the broker's answer)."""
    address = BrokerAddress(host=otrc["host"], port=otrc["port"], username=otrc["username"],
                            password=password or otrc["password"])
    return connect_answer(address, otrc["clientId"])  # type: ignore[no-any-return]


def _answer_once(otrc: dict[str, Any], wanted: str, password: str | None = None) -> bool:
    """Whether a login gets ``wanted`` (the broker reloads its files on its own time)."""
    def attempt() -> bool:
        phone, answer = _login(otrc, password)
        phone.loop_stop()
        phone.disconnect()
        return answer == wanted
    return poll(attempt, timeout=15)


def _state(client: TestClient, token: str) -> dict[str, Any]:
    return dict(client.get(f"/api/p/{token}/arrival").json())


def test_a_phone_logs_in_as_itself_speaks_only_for_itself_until_the_visit_ends(
        client: TestClient, office: Office, broker: tuple[Mosquitto, int, Path]) -> None:
    configure(client, office)
    mine, setup = _set_up(client, office, "hanako@example.org")
    other, other_setup = _set_up(client, office, "taro@example.org")
    otrc = setup["mqtt_otrc"]
    assert otrc["mode"] == 0 and otrc["username"] == setup["username"]
    assert otrc["subTopic"] == "owntracks/%u/%d/cmd" and setup["mqtt_config_link"]
    assert _answer_once(otrc, "Success"), broker[0].log_text()[-1500:]
    assert _answer_once(otrc, "Not authorized", password="guessed")

    phone, answer = _login(otrc)
    try:
        assert answer == "Success"
        own = f"owntracks/{otrc['username']}/phone"
        forged = f"owntracks/{other_setup['username']}/phone"
        now = time.time()
        inside = at_distance(5)
        # Pretending to be the other visitor at the office: the broker drops it.
        for ago in (40, 30):
            phone.publish(forged, location(*inside, tst=now - ago), qos=1).wait_for_publish()
        for ago in (20, 10):  # then its own fixes, on the same connection (so after those)
            phone.publish(own, location(*inside, tst=now - ago), qos=1).wait_for_publish()
        assert poll(lambda: _state(client, mine.token)["arrived"], timeout=15)
        assert _state(client, other.token)["arrived"] is False
        # Every message the app sends (booklet payloads), where it sends it: all taken.
        listener = client.app.state.officegate.runtime.arrival.owntracks  # type: ignore[attr-defined]
        before = dict(listener.stats)
        (region,) = otrc["waypoints"]
        sent = messages(lat=inside[0], lon=inside[1], tst=int(now) - 5, desc=region["desc"],
                        rid=region["rid"], wtst=region["tst"])
        for name, message in sent:
            topic = own + ("/event" if name.startswith("transition") else "")
            phone.publish(topic, json.dumps(message), qos=1).wait_for_publish()
        phone.publish(own, b"", qos=1).wait_for_publish()  # a friend deleted: zero-length
        taken = len(sent) + 1
        assert poll(lambda: listener.stats["accepted"] - before.get("accepted", 0) >= taken)
        assert listener.stats["rejected"] == before.get("rejected", 0)
        assert listener.stats["failed"] == before.get("failed", 0)
    finally:
        phone.loop_stop()
        phone.disconnect()

    with database_session(client.app.state.officegate.settings) as db:  # type: ignore[attr-defined]
        visit = db.get(Visit, mine.visit_id)
        assert visit is not None
        visit.starts_at = utcnow() - timedelta(hours=3)
        visit.ends_at = utcnow() - timedelta(hours=2)
        db.commit()
    client.app.state.officegate.runtime.arrival.sweep(utcnow())  # type: ignore[attr-defined]
    passwd = (broker[2] / "phones.passwd").read_text()
    assert otrc["username"] not in passwd and other_setup["username"] in passwd
    assert _answer_once(otrc, "Not authorized")  # the visit is over: so is its login
    assert _answer_once(other_setup["mqtt_otrc"], "Success")  # the other visit goes on
