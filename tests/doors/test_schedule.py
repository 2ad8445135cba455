"""Opening hours and holidays, decided by the door alone: a valid pass outside them is denied
``wrong_door`` with a clear detail, inside them it opens; an old config still parses."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from edge.helpers import Clock, Site, device_config

from officegate.protocol import Reason
from officegate.protocol.door_schedule import OUTSIDE_HOURS, OUTSIDE_HOURS_HOLIDAY
from officegate.protocol.messages import DeviceConfig

from .conftest import GateFactory

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_6 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def at_tokyo(clock: Clock, text: str) -> None:
    """Set the gate's clock to a local Tokyo time, e.g. "2026-11-24 10:00" (a Tuesday)."""
    clock.now = datetime.fromisoformat(text).replace(tzinfo=TOKYO).timestamp()


def office_hours(**changes: object) -> DeviceConfig:
    fields: dict[str, object] = dict(timezone="Asia/Tokyo", opening_hours=WEEKDAYS_9_TO_6,
                                     holidays={"2026-11-23": []})  # Labour Thanksgiving Day
    fields.update(changes)
    return device_config(**fields)


@pytest.mark.parametrize(("local", "detail"), [
    ("2026-11-24 08:59", OUTSIDE_HOURS),          # Tuesday, one minute early
    ("2026-11-24 18:00", OUTSIDE_HOURS),          # closing time
    ("2026-11-28 12:00", OUTSIDE_HOURS),          # Saturday
    ("2026-11-23 12:00", OUTSIDE_HOURS_HOLIDAY),  # a Monday, but a public holiday
])
def test_valid_pass_outside_opening_hours_is_denied_with_the_reason(
        start_gate: GateFactory, site: Site, clock: Clock, local: str, detail: str) -> None:
    at_tokyo(clock, local)
    gate = start_gate(office_hours())
    visitor = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 3600)

    decisions = gate.hold(visitor.screen, frames=10)

    assert [(d.reason, d.detail) for d in decisions] == [(Reason.WRONG_DOOR, detail)]
    assert gate.board.relay_energised() == 0
    assert gate.board.red_flashes() == 1 and gate.board.green_flashes() == 0
    assert [(e["reason"], e["detail"], e["visit_id"]) for e in gate.events()] == [
        ("wrong_door", detail, 123456)]


def test_valid_pass_within_opening_hours_opens(start_gate: GateFactory, site: Site,
                                               clock: Clock) -> None:
    at_tokyo(clock, "2026-11-24 09:00")
    gate = start_gate(office_hours())
    visitor = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 3600)

    decisions = gate.hold(visitor.screen, frames=5)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]
    assert gate.board.relay_energised() == 1


def test_holiday_with_short_hours_opens_only_then(start_gate: GateFactory, site: Site,
                                                  clock: Clock) -> None:
    config = office_hours(holidays={"2026-12-28": [["10:00", "12:00"]]})
    at_tokyo(clock, "2026-12-28 11:00")  # a Monday: normally 9-18, today 10-12
    gate = start_gate(config)
    morning = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 86400)
    assert [d.reason for d in gate.hold(morning.screen, frames=3)] == [Reason.ACCEPTED]

    clock.advance(3 * 3600)  # 14:00: a normal Monday would be open
    later = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 3600)
    decisions = gate.hold(later.screen, frames=3)

    assert [(d.reason, d.detail) for d in decisions] == [(Reason.WRONG_DOOR, OUTSIDE_HOURS_HOLIDAY)]


def test_emergency_unlock_ignores_the_schedule(start_gate: GateFactory, site: Site,
                                               clock: Clock) -> None:
    at_tokyo(clock, "2026-11-28 23:00")  # Saturday night
    gate = start_gate(office_hours(mode="unlocked"))
    visitor = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 3600)

    decisions = gate.hold(visitor.screen, frames=3)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]


def test_config_from_an_older_server_still_parses_and_has_no_schedule() -> None:
    old = {"device": "gate-1", "site": "hq", "kind": "gate", "zone": "lobby",
           "relay_pulse_ms": 800, "allow_static": False, "code_period": 10, "mode": "normal",
           "version": 3}

    config = DeviceConfig.from_json(json.dumps(old))

    assert config.opening_hours is None and config.holidays == {}
    assert config.fail_mode == "secure" and config.side is None
    assert config.closed_reason(1_795_424_400.0) is None
    assert DeviceConfig.from_json(office_hours().to_json()) == office_hours()


@pytest.mark.parametrize(("changes", "message"), [
    ({"opening_hours": {"monday": [["09:00", "18:00"]]}}, "unknown weekdays: monday"),
    ({"opening_hours": {"mon": [["18:00", "09:00"]]}}, "must start before it ends"),
    ({"opening_hours": {"mon": [["9:00", "18:00"]]}}, "HH:MM"),
    ({"holidays": {"25/12/2026": []}}, "not a YYYY-MM-DD date"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone"),
    ({"fail_mode": "maybe"}, "fail_mode"),
    ({"side": "both"}, "side"),
])
def test_bad_door_rules_are_refused_with_the_field(changes: dict, message: str) -> None:
    doc = json.loads(device_config().to_json())
    doc.update(changes)

    with pytest.raises(ValueError, match=message):
        DeviceConfig.from_json(json.dumps(doc))


def test_pass_denied_just_before_opening_opens_once_the_door_opens(
        start_gate: GateFactory, site: Site, clock: Clock) -> None:
    at_tokyo(clock, "2026-11-24 08:59")
    gate = start_gate(office_hours())
    visitor = site.visitor(clock, not_before=int(clock.now) - 60, expires=int(clock.now) + 3600)
    assert [d.reason for d in gate.hold(visitor.screen, frames=3)] == [Reason.WRONG_DOOR]

    clock.advance(70)  # 09:00:10, the visitor tries again
    decisions = gate.hold(visitor.screen, frames=3)

    assert [d.reason for d in decisions] == [Reason.ACCEPTED]
    assert gate.board.relay_energised() == 1
