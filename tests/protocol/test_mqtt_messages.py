"""MQTT topic names and the JSON messages that cross the broker."""

from __future__ import annotations

import json

import pytest

from officegate.protocol import Decision, DoorPolicy, Reason, topics
from officegate.protocol.messages import AccessEvent, DeviceConfig, Revocations

from .helpers import visitor_claims


def test_topics_are_device_centred():
    assert topics.device_status("gate-1") == "officegate/devices/gate-1/status"
    assert topics.device_events("gate-1") == "officegate/devices/gate-1/events"
    assert topics.device_config("gate-1") == "officegate/devices/gate-1/config"
    assert topics.device_cmd("gate-1") == "officegate/devices/gate-1/cmd"
    assert topics.site_keys("hq") == "officegate/sites/hq/keys"
    assert topics.site_revocations("hq") == "officegate/sites/hq/revocations"
    assert topics.ALL_DEVICE_EVENTS == "officegate/devices/+/events"
    assert topics.ALL_DEVICE_STATUS == "officegate/devices/+/status"
    assert topics.device_of("officegate/devices/gate-1/events") == "gate-1"
    assert topics.device_of("officegate/sites/hq/keys") is None


@pytest.mark.parametrize("name", ["", "a/b", "+", "#", "gate\x00"])
def test_names_that_would_escape_a_device_topic_are_refused(name):
    with pytest.raises(ValueError):
        topics.device_events(name)


def test_access_event_from_a_decision_round_trips():
    claims = visitor_claims()
    decision = Decision(Reason.ACCEPTED, claims=claims, counter=5, kid=b"\x01" * 8)
    event = AccessEvent.from_decision(decision, device="gate-1", site="hq", at=1.5,
                                      latency_ms=3.2)
    assert event.pass_id == claims.pass_id_hex and event.visit_id == 123456
    assert event.kid == "01" * 8 and event.reason == "accepted" and event.kind == "access"
    assert len(event.id) == 32
    assert AccessEvent.from_json(event.to_json()) == event
    other = AccessEvent.from_decision(decision, device="gate-1", site="hq", at=1.5)
    assert other.id != event.id  # every event is its own, for deduplication


def test_denial_without_claims_still_makes_an_event():
    event = AccessEvent.from_decision(Decision(Reason.MALFORMED, detail="not a pass"),
                                      device="gate-1", site="hq", at=2.0)
    assert event.pass_id is None and event.detail == "not a pass"
    assert AccessEvent.from_json(event.to_json()) == event


@pytest.mark.parametrize(("change", "message"), [
    ({"reason": "let_in"}, "reason"),
    ({"at": "noon"}, "at"),
    ({"visit_id": True}, "visit_id"),
    ({"extra": 1}, "unknown fields"),
])
def test_bad_event_json_says_which_field(change, message):
    event = AccessEvent.from_decision(Decision(Reason.EXPIRED), device="g", site="hq", at=1.0)
    doc = json.loads(event.to_json()) | change
    with pytest.raises(ValueError, match=message):
        AccessEvent.from_json(json.dumps(doc).encode())


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b"\xff"])
def test_non_json_is_a_value_error(data):
    with pytest.raises(ValueError):
        AccessEvent.from_json(data)


def config(**changes) -> DeviceConfig:
    fields = dict(device="gate-1", site="hq", kind="gate", zone="lobby", relay_pulse_ms=800,
                  allow_static=False, code_period=10, mode="normal", version=3) | changes
    return DeviceConfig(**fields)


def test_device_config_round_trips_and_gives_the_door_policy():
    c = config()
    assert DeviceConfig.from_json(c.to_json()) == c
    assert c.door_policy() == DoorPolicy(device="gate-1", zone="lobby", allow_static=False,
                                         code_period=10)


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "elevator"}, "kind"), ({"mode": "party"}, "mode"),
    ({"allow_static": "yes"}, "allow_static"), ({"code_period": 0}, "code_period"),
    ({"zone": ""}, "zone"),
])
def test_bad_device_config_is_refused(change, message):
    doc = json.loads(config().to_json()) | change
    with pytest.raises(ValueError, match=message):
        DeviceConfig.from_json(json.dumps(doc))


def test_revocations_round_trip_and_feed_verify():
    r = Revocations(site="hq", version=4, pass_ids=("0123456789abcdef",))
    back = Revocations.from_json(r.to_json())
    assert back == r
    assert back.pass_id_bytes() == frozenset({bytes.fromhex("0123456789abcdef")})
    with pytest.raises(ValueError, match="hex"):
        Revocations.from_json(b'{"site":"hq","version":1,"pass_ids":["xyz"]}')
