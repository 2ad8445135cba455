"""What the ReplayGuard keeps, and for exactly how long: a screenshot of a still-valid code
must not open the door again because the guard forgot the wrong entry."""

from __future__ import annotations

from officegate.protocol import ReplayGuard

A, B, C = (bytes([n]) * 8 for n in (1, 2, 3))


def test_defaults_hold_five_seconds_and_remember_for_thirty_five():
    guard = ReplayGuard()
    assert (guard.hold_seconds, guard.window_seconds, guard.max_entries) == (5.0, 30.0, 100_000)
    guard.check(A, 100, "gate-1", 0.0)
    assert guard.check(A, 100, "gate-1", 5.0) == "holding"  # inclusive
    guard.check(B, 100, "gate-1", 0.0)
    assert guard.check(B, 100, "gate-1", 5.01) == "replayed"


def test_a_code_is_remembered_for_exactly_window_plus_hold():
    guard = ReplayGuard(hold_seconds=5.0, window_seconds=30.0)
    guard.check(A, 100, "gate-1", 0.0)
    assert guard.check(A, 100, "gate-2", 35.0) == "replayed"  # 35 s later: still known
    guard = ReplayGuard(hold_seconds=5.0, window_seconds=30.0)
    guard.check(A, 100, "gate-1", 0.0)
    assert guard.check(A, 100, "gate-2", 35.01) == "new"  # its code can no longer be valid


def test_a_code_is_not_forgotten_after_twenty_five_seconds():
    guard = ReplayGuard(hold_seconds=5.0, window_seconds=30.0)
    guard.check(A, 100, "gate-1", 0.0)
    assert guard.check(A, 100, "gate-2", 26.0) == "replayed"
    assert guard.check(A, 100, "gate-2", 34.0) == "replayed"


def test_same_instant_is_still_the_same_presentation():
    guard = ReplayGuard()
    guard.check(A, 100, "gate-1", 10.0)
    assert guard.check(A, 100, "gate-1", 10.0) == "holding"


def test_an_earlier_timestamp_is_not_holding():
    guard = ReplayGuard()
    guard.check(A, 100, "gate-1", 10.0)
    assert guard.check(A, 100, "gate-1", 9.0) == "replayed"


def test_a_replay_at_another_gate_does_not_take_over_the_visitors_sighting():
    guard = ReplayGuard(hold_seconds=5.0)
    guard.check(A, 100, "gate-1", 0.0)
    assert guard.check(A, 100, "gate-2", 3.0) == "replayed"
    assert guard.check(A, 100, "gate-1", 4.0) == "holding"  # the visitor is still there


def test_printed_and_phone_forms_of_one_pass_do_not_conflict():
    guard = ReplayGuard()
    assert guard.check(A, None, "gate-1", 0.0) == "new"
    assert guard.check(A, 100, "gate-1", 60.0) == "new"
    assert guard.check(A, None, "gate-1", 61.0) == "holding"


def test_when_full_the_oldest_entry_goes_not_the_new_one():
    guard = ReplayGuard(max_entries=2)
    guard.check(A, 100, "gate-1", 0.0)
    guard.check(B, 100, "gate-1", 1.0)
    guard.check(C, 100, "gate-1", 2.0)
    assert len(guard) == 2
    assert guard.check(C, 100, "gate-2", 2.5) == "replayed"  # just accepted: remembered
    assert guard.check(B, 100, "gate-2", 2.6) == "replayed"
    assert guard.check(A, 100, "gate-2", 2.7) == "new"  # the oldest was dropped


def test_a_new_sighting_makes_an_entry_young_again():
    guard = ReplayGuard(max_entries=2)
    guard.check(A, 100, "gate-1", 0.0)
    guard.check(B, 100, "gate-1", 1.0)
    guard.check(A, 101, "gate-1", 2.0)  # A's code rotated while the visitor stood there
    guard.check(C, 100, "gate-1", 3.0)  # full: B is now the oldest
    assert guard.check(A, 100, "gate-2", 3.5) == "replayed"  # the screenshot of A's old code
    assert guard.check(B, 100, "gate-2", 3.6) == "new"


def test_one_expired_entry_does_not_empty_the_guard():
    guard = ReplayGuard(hold_seconds=5.0, window_seconds=30.0)
    guard.check(A, 100, "gate-1", 0.0)
    guard.check(B, 100, "gate-1", 30.0)
    guard.check(C, 100, "gate-1", 36.0)  # A is past 35 s and goes; B stays
    assert len(guard) == 2
    assert guard.check(B, 100, "gate-2", 36.5) == "replayed"
    assert guard.check(C, 100, "gate-2", 36.6) == "replayed"

