"""The arrival decision on its own: noise, accuracy, hysteresis, ETA, polygon, and OwnTracks'
JSON read strictly."""

from __future__ import annotations

import json
import math

import pytest

from officegate.server.arrival.geofence import Fix, Geofence, TrackState, haversine_m, observe
from officegate.server.arrival.owntracks import BadLocation, check_fix, parse

FENCE = Geofence(lat=35.0, lon=139.0, radius_m=80, approach_m=1000)
NOW = 1_800_000_000.0


def north(metres: float, *, acc: float = 10, at: float = NOW, **kw: object) -> Fix:
    return Fix(lat=35.0 + metres / 111_195.0, lon=139.0, acc=acc, at=at, **kw)  # type: ignore[arg-type]


def feed(fixes: list[Fix], state: TrackState | None = None) -> tuple[TrackState, list[str]]:
    state = state or TrackState()
    kinds: list[str] = []
    for fix in fixes:
        state, crossings = observe(FENCE, state, fix)
        kinds += [c.kind for c in crossings]
    return state, kinds


def test_distance_is_metres() -> None:
    assert haversine_m(35.0, 139.0, 35.0 + 1000 / 111_195.0, 139.0) == pytest.approx(1000, 1)


def test_arrival_needs_two_confident_fixes_in_a_row() -> None:
    _, kinds = feed([north(2000, at=NOW), north(30, at=NOW + 60)])
    assert kinds == ["approaching"]  # one fix inside is not an arrival
    _, kinds = feed([north(30, at=NOW), north(500, at=NOW + 5), north(30, at=NOW + 10)])
    assert "arrived" not in kinds  # in, out, in: the count starts again
    state, kinds = feed([north(30, at=NOW), north(40, at=NOW + 10)])
    assert kinds == ["approaching", "arrived"] and state.arrived
    _, later = feed([north(30, at=NOW + 20)], state)
    assert later == []  # decided once per visit


def test_inaccurate_fixes_decide_nothing() -> None:
    _, kinds = feed([north(0, acc=400, at=NOW + i) for i in range(5)])
    assert kinds == ["approaching"]  # surely within 1 km, but never "arrived"
    # Accuracy circle straddling the fence: not confidently inside.
    _, kinds = feed([north(70, acc=60, at=NOW), north(70, acc=60, at=NOW + 5)])
    assert "arrived" not in kinds


def test_jitter_at_the_edge_keeps_the_count_within_the_margin() -> None:
    # Inside, then a fix just outside the fence but within the hysteresis margin: it neither
    # counts nor resets; one clearly outside resets.
    state, _ = feed([north(20, at=NOW), north(110, acc=30, at=NOW + 5)])
    assert state.inside_count == 1 and not state.arrived
    _, kinds = feed([north(30, at=NOW + 10)], state)
    assert kinds == ["arrived"]
    state, _ = feed([north(20, at=NOW), north(300, acc=30, at=NOW + 5)])
    assert state.inside_count == 0


def test_owntracks_enter_counts_as_a_seen_entry() -> None:
    _, kinds = feed([north(15, at=NOW, entered=True)])
    assert kinds == ["approaching", "arrived"]
    _, kinds = feed([north(600, at=NOW, entered=True)])  # an "enter" far away is not trusted
    assert "arrived" not in kinds


def test_out_of_order_fixes_are_ignored() -> None:
    state, _ = feed([north(2000, at=NOW)])
    state, kinds = feed([north(30, at=NOW - 100), north(30, at=NOW - 50)], state)
    assert kinds == [] and state.last_at == NOW


def test_eta_from_closing_speed_and_from_reported_speed() -> None:
    state, _ = feed([north(2000, at=NOW)])
    _, crossings = observe(FENCE, state, north(920, at=NOW + 120))  # 9 m/s closing
    assert crossings[0].kind == "approaching" and crossings[0].eta_s == pytest.approx(93, abs=3)
    _, crossings = observe(FENCE, TrackState(), north(520, at=NOW, speed=4.4))
    assert crossings[0].eta_s == pytest.approx(100, abs=2)
    _, crossings = observe(FENCE, TrackState(), north(210, at=NOW))  # walking pace
    assert crossings[0].eta_s == pytest.approx(100, abs=2)


def test_polygon_counts_the_building_outline() -> None:
    d = 150 / 111_195.0  # a 300 m wide campus around the centre
    fence = Geofence(lat=35.0, lon=139.0, radius_m=50, approach_m=1000,
                     polygon=((35.0 - d, 139.0 - d), (35.0 - d, 139.0 + d),
                              (35.0 + d, 139.0 + d), (35.0 + d, 139.0 - d)))
    assert fence.contains(north(120))
    assert not FENCE.contains(north(120))
    assert not fence.contains(north(400))


@pytest.mark.parametrize("payload, reason", [
    (b"\xff\xfe", "not JSON"), (b'"x"', "'_type'"),
    (b'{"_type": "location", "lon": 1, "tst": 1800000000}', "'lat'"),
    (b'{"_type": "location", "lat": NaN, "lon": 1, "tst": 1800000000}', "'lat'"),
    (b'{"_type": "location", "lat": true, "lon": 1, "tst": 1800000000}', "'lat'"),
    (b'{"_type": "location", "lat": 1e308, "lon": 1, "tst": 1800000000}', "out of range"),
    (b'{"_type": "location", "lat": 1, "lon": 1, "tst": 1900000000}', "future"),
    (b'{"_type": "location", "lat": 1, "lon": 1, "tst": 1800000000000}', "future"),
    (b'{"_type": "location", "lat": 1, "lon": 1, "tst": 12}', "epoch"),
    (b'{"_type": "location", "lat": 1, "lon": 1, "acc": 1e9, "tst": 1800000000}', "accuracy"),
    (b'{"_type": "transition", "event": "enter", "lat": 1, "lon": 1, "acc": 5, '
     b'"tst": 1800000000}', "'wtst'"),
])
def test_owntracks_json_is_read_strictly(payload: bytes, reason: str) -> None:
    with pytest.raises(BadLocation, match=reason):
        parse(payload, now=NOW)


@pytest.mark.parametrize("field", ["lat", "lon", "acc", "at", "speed"])
def test_non_finite_numbers_are_refused(field: str) -> None:
    values = {"lat": 35.0, "lon": 139.0, "acc": 10.0, "at": NOW, "speed": 1.0, field: math.nan}
    with pytest.raises(BadLocation, match="finite"):
        check_fix(now=NOW, **values)


def test_owntracks_messages_we_understand() -> None:
    loc = parse(json.dumps({"_type": "location", "lat": 35.0, "lon": 139.0, "acc": 12,
                            "vel": 36, "tst": int(NOW), "tid": "OG",
                            "inregions": []}).encode(), now=NOW)
    assert loc.kind == "location" and loc.fix is not None and loc.fix.speed == pytest.approx(10)
    theirs = parse(json.dumps({"_type": "transition", "event": "enter", "lat": 35.0,
                               "lon": 139.0, "acc": 12, "tst": int(NOW), "wtst": 1,
                               "desc": "Home"}).encode(), now=NOW)
    assert theirs.fix is not None and theirs.fix.entered is False  # not our region
    assert parse(b'{"_type": "card", "name": "x"}', now=NOW).kind == "other"


def test_what_the_booklet_makes_optional_is_optional() -> None:
    """The zero-length body is ignored (docs/tech/http.md), a transition needs no ``acc``."""
    assert parse(b"", now=NOW).kind == "empty"
    message = parse(b'{"_type": "transition", "event": "enter", "wtst": 1700000000, '
                    b'"tst": 1800000000}', now=NOW)
    assert message.kind == "transition"
