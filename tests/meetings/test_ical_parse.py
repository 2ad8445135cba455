"""iCalendar parsing of real-world exports: recurrence, time zones, overrides, cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from meetings_helpers import calendar, tokyo

from officegate.server.meetings.ical import InvalidCalendar, parse_calendar

NOW = datetime.now(UTC)
WINDOW = {"window_start": NOW - timedelta(days=1), "window_end": NOW + timedelta(days=60)}


def test_google_weekly_series_with_exdate_and_a_moved_occurrence() -> None:
    parsed = parse_calendar(calendar("google_weekly.ics"), **WINDOW)
    occ = sorted((o for o in parsed.occurrences if not o.all_day), key=lambda o: o.starts_at)
    # COUNT=4 weekly, minus the EXDATE one week in; the third is moved to 14:00.
    assert [(o.starts_at, o.ends_at) for o in occ] == [
        (tokyo(0, 10), tokyo(0, 11)),
        (tokyo(14, 14), tokyo(14, 15, 30)),
        (tokyo(21, 10), tokyo(21, 11)),
    ]
    assert occ[1].title == "Partner weekly sync (moved to the afternoon)"
    assert occ[1].recurrence == tokyo(14, 10).isoformat()  # keyed by the original start
    assert len({o.key for o in occ}) == 3
    # The all-day event is a whole-day booking (test_all_day.py has the local-zone rules).
    assert [o.title for o in parsed.occurrences if o.all_day] == ["Office holiday party prep"]
    assert occ[0].location == "3F Sakura" and occ[0].organizer == "hana@example.com"
    assert ("aiko.tanaka@partner.example.jp", "田中 愛子 Aiko Tanaka") in occ[0].attendees


def test_outlook_windows_time_zone_name_and_room_resource_attendee() -> None:
    parsed = parse_calendar(calendar("outlook_daily.ics"), **WINDOW)
    assert parsed.method == "REQUEST"
    starts = sorted(o.starts_at for o in parsed.occurrences)
    assert starts == [tokyo(d, 9) for d in range(5)]  # "Tokyo Standard Time" is UTC+9
    first = parsed.occurrences[0]
    assert first.ends_at - first.starts_at == timedelta(minutes=15)
    # The room itself (CUTYPE=RESOURCE) is not a person to invite.
    assert [email for email, _ in first.attendees] == ["hana@example.com"]


def test_cancel_message_for_one_occurrence_and_for_a_whole_series() -> None:
    one = parse_calendar(calendar("outlook_cancel_one.ics"), **WINDOW)
    assert one.method == "CANCEL" and not one.cancelled_series
    assert [(o.starts_at, o.cancelled) for o in one.occurrences] == [(tokyo(2, 9), True)]
    series = parse_calendar(calendar("outlook_cancel_series.ics"), **WINDOW)
    assert list(series.cancelled_series.values()) == [2]


@pytest.mark.parametrize("data, reason", [
    (b"", "not an iCalendar file"),
    (b"hello, this is a CSV,1,2\n", "not an iCalendar file"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDTSTART:20261201T100000Z\r\n"
     b"END:VEVENT\r\nEND:VCALENDAR\r\n", "no UID"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     "no DTSTART"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:2026-12-01\r\nEND:VEVENT\r\n"
     b"END:VCALENDAR\r\n", "bad DTSTART"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261201T100000Z\r\n"
     b"RRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "bad RRULE"),
    (b"BEGIN:VCARD\r\nFN:Not a calendar\r\nEND:VCARD\r\n", "BEGIN:VCALENDAR"),
])
def test_malformed_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidCalendar, match=reason):
        parse_calendar(data, **WINDOW)


def test_broken_second_event_refuses_the_whole_file() -> None:
    with pytest.raises(InvalidCalendar):
        parse_calendar(calendar("broken_second_event.ics"), **WINDOW)
