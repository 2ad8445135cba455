"""ReplayGuard: one unlock per visitor in front of the camera, no second life for a code."""

from __future__ import annotations

from officegate.protocol import ReplayGuard

PASS = bytes.fromhex("0123456789abcdef")
OTHER = bytes.fromhex("fedcba9876543210")


def test_first_sighting_is_new_then_holding_while_in_front_of_the_camera():
    guard = ReplayGuard(hold_seconds=5.0)
    assert guard.check(PASS, 100, "gate-1", 0.0) == "new"
    # Many frames of the same phone: still the same presentation.
    for t in (0.1, 1.0, 4.0, 8.5):  # each within 5 s of the previous sighting
        assert guard.check(PASS, 100, "gate-1", t) == "holding"


def test_code_rotating_while_the_visitor_stands_there_is_still_holding():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 100, "gate-1", 9.5)
    assert guard.check(PASS, 101, "gate-1", 10.2) == "holding"
    # ...and the new code is now the one remembered.
    assert guard.check(PASS, 101, "gate-1", 30.0) == "replayed"


def test_same_code_after_a_gap_is_replayed():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 100, "gate-1", 0.0)
    assert guard.check(PASS, 100, "gate-1", 5.5) == "replayed"


def test_same_code_at_another_device_is_replayed():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 100, "gate-1", 0.0)
    assert guard.check(PASS, 100, "gate-2", 0.5) == "replayed"


def test_older_code_after_a_newer_one_is_replayed():
    # A friend's screenshot of the previous code, shown right after the visitor.
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 101, "gate-1", 10.0)
    assert guard.check(PASS, 100, "gate-1", 10.5) == "replayed"


def test_a_replay_does_not_extend_the_visitors_hold():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 100, "gate-1", 0.0)
    assert guard.check(PASS, 100, "gate-2", 3.0) == "replayed"
    assert guard.check(PASS, 100, "gate-1", 6.0) == "replayed"  # 6 s since gate-1 saw it


def test_next_code_at_the_next_door_is_new():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(PASS, 100, "gate-1", 0.0)
    assert guard.check(PASS, 106, "room-301", 60.0) == "new"


def test_other_passes_do_not_interfere():
    guard = ReplayGuard()
    assert guard.check(PASS, 100, "gate-1", 0.0) == "new"
    assert guard.check(OTHER, 100, "gate-1", 0.1) == "new"


def test_printed_pass_is_held_but_never_replayed():
    guard = ReplayGuard(hold_seconds=5.0)
    assert guard.check(PASS, None, "gate-1", 0.0) == "new"
    assert guard.check(PASS, None, "gate-1", 2.0) == "holding"
    assert guard.check(PASS, None, "gate-1", 3600.0) == "new"  # tomorrow's use of a badge
    assert guard.check(PASS, None, "gate-2", 3601.0) == "new"


def test_memory_is_bounded_by_time():
    guard = ReplayGuard(hold_seconds=5.0, window_seconds=30.0)
    for n in range(1000):
        guard.check(n.to_bytes(8, "big"), 1, "gate-1", float(n))
    # Only sightings from the last window + hold (35 s) are kept.
    assert len(guard) <= 36


def test_memory_is_bounded_by_count():
    guard = ReplayGuard(max_entries=10)
    for n in range(100):
        guard.check(n.to_bytes(8, "big"), 1, "gate-1", 0.0)
    assert len(guard) == 10
