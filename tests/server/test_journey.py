"""The journey bus: domains hear each other's steps; a broken subscriber harms no one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from officegate.server.journey import JourneyBus, JourneyEvent


def _event(kind: str = "checked_in", key: str = "k1") -> JourneyEvent:
    return JourneyEvent(kind=kind, key=key, at=datetime.now(UTC), visit_id=1, site="hq")


def test_subscribers_hear_their_kind_and_wildcards_hear_all() -> None:
    bus = JourneyBus()
    checked_in: list[str] = []
    everything: list[str] = []
    bus.subscribe("checked_in", lambda e: checked_in.append(e.key))
    bus.subscribe("*", lambda e: everything.append(e.kind))
    bus.publish(_event())
    bus.publish(_event("gate_passed", "k2"))
    assert checked_in == ["k1"]
    assert everything == ["checked_in", "gate_passed"]


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = JourneyBus()
    heard: list[str] = []

    def broken(_event: JourneyEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe("checked_in", broken)
    bus.subscribe("checked_in", lambda e: heard.append(e.key))
    bus.publish(_event())
    assert heard == ["k1"]


@pytest.mark.parametrize("kind", ["checkd_in", ""])
def test_unknown_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValueError):
        _event(kind)
    with pytest.raises(ValueError):
        JourneyBus().subscribe(kind, lambda e: None)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        JourneyEvent(kind="invited", key="x", at=datetime.now())
