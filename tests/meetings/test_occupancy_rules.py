"""Occupancy and no-show rules over simulated time: made-up signals, a chosen "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from officegate.server.occupancy.rules import (
    Signal,
    day_figures,
    meeting_occupancy,
    occupied_spans,
    walk_ins,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
END = T0 + timedelta(hours=1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_first_entry_is_the_actual_start_and_late_start_is_measured() -> None:
    signals = [Signal("entry", at(4), "aiko"), Signal("motion", at(4.1)),
               Signal("entry", at(6), "hana")]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(20))
    assert occ.state == "in_progress"
    assert occ.actual_start == at(4)
    assert occ.late_start == timedelta(minutes=4)
    assert [e.who for e in occ.entries] == ["aiko", "hana"]
    assert occ.inside == ("aiko", "hana") and occ.inside_count == 2
    assert not occ.no_show


def test_entering_early_is_an_on_time_start() -> None:
    occ = meeting_occupancy([Signal("entry", at(-5), "hana")], starts_at=T0, ends_at=END,
                            now=at(1))
    assert occ.actual_start == at(-5) and occ.late_start == timedelta(0)


def test_room_vacant_after_everyone_leaves_ends_the_meeting_with_its_overrun() -> None:
    signals = [Signal("entry", at(0), "aiko"), Signal("entry", at(1), "hana"),
               Signal("motion", at(1)), Signal("exit", at(70)), Signal("exit", at(72))]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(90))
    assert occ.state == "ended"
    assert occ.actual_end == at(72)
    assert occ.overrun == timedelta(minutes=12)
    assert occ.inside == () and occ.inside_count == 0
    assert occ.peak == 2


def test_one_anonymous_exit_leaves_the_others_inside() -> None:
    signals = [Signal("entry", at(0), "aiko"), Signal("entry", at(1), "hana"),
               Signal("motion", at(1)), Signal("exit", at(30))]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(31))
    assert occ.state == "in_progress" and occ.inside_count == 1 and len(occ.inside) == 1


def test_pir_stillness_means_vacant_even_without_exits() -> None:
    signals = [Signal("entry", at(2), "aiko"), Signal("motion", at(2)),
               Signal("still", at(50))]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(55))
    assert occ.state == "ended" and occ.actual_end == at(50) and occ.overrun == timedelta(0)


def test_coming_back_after_a_vacancy_reopens_the_meeting() -> None:
    signals = [Signal("entry", at(0), "aiko"), Signal("still", at(20)),
               Signal("entry", at(25), "aiko")]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(30))
    assert occ.state == "in_progress" and occ.actual_end is None
    assert occ.actual_start == at(0)


def test_no_entry_and_no_motion_for_ten_minutes_is_a_no_show() -> None:
    before = meeting_occupancy([], starts_at=T0, ends_at=END, now=at(9.9))
    assert before.state == "waiting" and not before.no_show
    after = meeting_occupancy([], starts_at=T0, ends_at=END, now=at(10))
    assert after.state == "no_show" and after.no_show
    assert after.actual_start is None and after.late_start is None


def test_motion_alone_saves_the_booking() -> None:
    occ = meeting_occupancy([Signal("motion", at(8))], starts_at=T0, ends_at=END, now=at(15))
    assert not occ.no_show and occ.actual_start == at(8)


def test_no_show_minutes_is_a_parameter() -> None:
    occ = meeting_occupancy([], starts_at=T0, ends_at=END, now=at(12),
                            no_show_after=timedelta(minutes=15))
    assert not occ.no_show


def test_signals_of_the_meeting_before_do_not_count() -> None:
    signals = [Signal("entry", at(-40), "someone"), Signal("still", at(-30))]
    occ = meeting_occupancy(signals, starts_at=T0, ends_at=END, now=at(11))
    assert occ.no_show


def test_walk_ins_are_occupied_spans_outside_bookings() -> None:
    signals = [Signal("motion", at(-120)), Signal("still", at(-100)),
               Signal("entry", at(0), "aiko"), Signal("still", at(50))]
    spans = occupied_spans(signals, until=at(200))
    assert spans == [(at(-120), at(-100)), (at(0), at(50))]
    assert walk_ins(spans, [(T0, END)]) == [(at(-120), at(-100))]


def test_day_figures_utilisation_no_show_rate_late_start_and_peak() -> None:
    held = meeting_occupancy(
        [Signal("entry", at(6), "a"), Signal("entry", at(7), "b"), Signal("entry", at(8), "c"),
         Signal("still", at(36))], starts_at=T0, ends_at=END, now=at(300))
    second = T0 + timedelta(hours=2)
    missed = meeting_occupancy([], starts_at=second, ends_at=second + timedelta(hours=1),
                               now=at(300))
    figures = day_figures([(T0, END, held), (second, second + timedelta(hours=1), missed)])
    assert figures.booked_hours == 2.0
    assert figures.used_hours == 0.5  # 06 -> 36 minutes
    assert figures.utilisation == 0.25
    assert figures.no_shows == 1 and figures.no_show_rate == 0.5
    assert figures.average_late_start_minutes == 6.0
    assert figures.peak_occupancy == 3
