"""Recurrence expanded lazily: the window and the occurrence cap apply while expanding.

``recurring_ical_events.of(...).between()`` builds every occurrence of every series in the
window before anyone can count them, so one ``RRULE:FREQ=SECONDLY`` (5 million occurrences
in 60 days) took minutes and gigabytes before the cap was checked. Here each series is
walked as a generator and the walk stops at the first occurrence over the cap. Rules that
repeat more often than a meeting can (every second or minute) are refused before any
expansion; what a rule still costs is bounded by the child process (meetings/sandbox.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import icalendar
import recurring_ical_events

TOO_FREQUENT = ("SECONDLY", "MINUTELY")
MAX_BYMINUTE = 4  # a quarter-hour grid: more minutes per hour is no meeting series
MAX_BYSECOND = 1


class CalendarRefused(ValueError):
    """The calendar is well-formed but costs more than a meeting calendar may.

    ``code`` is the stable error code the API answers with (422).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_rules(event: icalendar.Event, uid: str) -> None:
    """Refuse an event whose RRULE repeats more often than meetings do (before expanding)."""
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        minutes, seconds = rule.get("BYMINUTE") or [], rule.get("BYSECOND") or []
        if freq in TOO_FREQUENT or len(minutes) > MAX_BYMINUTE or len(seconds) > MAX_BYSECOND:
            raise CalendarRefused(
                "recurrence_too_frequent",
                f"event {uid[:80]!r} repeats more often than a meeting can "
                f"(FREQ={freq or '?'}); use at most hourly repeats")


def expand(calendar: icalendar.Calendar, start: datetime, end: datetime, *,
           limit: int) -> Iterator[icalendar.Event]:
    """Occurrences overlapping [start, end), as components, series after series.

    Raises CalendarRefused(``too_many_occurrences``) as soon as the ``limit + 1``-th
    occurrence is produced, before the rest of the window is expanded.
    """
    query = recurring_ical_events.of(calendar)
    keep: Any = query.keep_recurrence_attributes
    count = 0
    for series in query.series:
        for occurrence in series.between(start, end):
            count += 1
            if count > limit:
                raise CalendarRefused("too_many_occurrences",
                                      f"more than {limit} occurrences in the window")
            yield occurrence.as_component(keep)
