"""iCalendar (RFC 5545) files into meeting occurrences: pure parsing, no database.

Recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) is expanded by
``recurring-ical-events``; time zones come from the file's VTIMEZONEs / TZIDs (Google's
X-WR-TIMEZONE is honoured through ``x-wr-timezone``); floating times and all-day dates are
read in the site's zone (``default_tz``). An all-day event (DATE values) books the room from
local midnight to midnight. A cancellation is either an event with STATUS:CANCELLED or any
event of a METHOD:CANCEL message (RFC 5546); without RECURRENCE-ID it cancels the whole series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar
import x_wr_timezone

from officegate.server.meetings.recurrence import CalendarRefused, check_rules, expand

MAX_BYTES = 2 * 1024 * 1024
MAX_OCCURRENCES = 5000


class InvalidCalendar(ValueError):
    """The file is not usable iCalendar; the message says why (in English)."""

    code = "bad_calendar"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a calendar event, in UTC."""

    uid: str
    recurrence: str  # "" for a single event, else the original start (UTC ISO, or the date)
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    organizer: str | None
    attendees: tuple[tuple[str, str], ...]  # (email, display name)
    cancelled: bool
    modified: datetime | None = None  # LAST-MODIFIED (UTC): an edit that keeps SEQUENCE
    all_day: bool = False

    @property
    def key(self) -> str:
        """The stable identity of this occurrence: UID plus RECURRENCE-ID."""
        return f"{self.uid}|{self.recurrence}"


@dataclass
class ParsedCalendar:
    """What a file says: occurrences in the window and whole series it cancels."""

    method: str
    window_end: datetime
    occurrences: list[Occurrence] = field(default_factory=list)
    cancelled_series: dict[str, int] = field(default_factory=dict)  # uid -> sequence
    sequences: dict[str, int] = field(default_factory=dict)  # uid -> highest SEQUENCE seen
    skipped_all_day: int = 0  # kept for the API's shape: all-day events are imported now
    masters: set[str] = field(default_factory=set)  # uids whose whole series is in the file


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _utc(value: Any, default_tz: tzinfo) -> datetime:
    """A DATE-TIME (floating ones in ``default_tz``) or a DATE (its local midnight) in UTC."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=default_tz)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, default_tz).astimezone(UTC)
    raise InvalidCalendar(f"expected a date or date-time, got {type(value).__name__}")


def _modified(event: icalendar.Event) -> datetime | None:
    if event.get("LAST-MODIFIED") is None:
        return None
    value = event.decoded("LAST-MODIFIED")
    return _utc(value, UTC) if isinstance(value, datetime) else None


def _email(value: Any) -> str:
    text = str(value)
    return text[7:] if text.lower().startswith("mailto:") else text


def _attendees(event: icalendar.Event) -> tuple[tuple[str, str], ...]:
    raw = event.get("ATTENDEE")
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        cutype = str(getattr(item, "params", {}).get("CUTYPE", "INDIVIDUAL")).upper()
        if cutype in ("ROOM", "RESOURCE"):
            continue  # Outlook lists the booked room itself as an attendee
        email = _email(item).strip().lower()
        name = str(getattr(item, "params", {}).get("CN", "")) or email.split("@")[0]
        if email:
            out.append((email[:254], name[:200]))
    return tuple(out)


def parse_calendar(data: bytes, *, window_start: datetime, window_end: datetime,
                   default_tz: tzinfo = UTC) -> ParsedCalendar:
    """Parse ``data`` and expand occurrences that overlap [window_start, window_end).

    Raises InvalidCalendar with a reason for anything malformed, CalendarRefused (with its
    ``code``) for a file that is well-formed but too big or expands too far; nothing is
    returned half-parsed. Run it through meetings/sandbox.py to bound time and memory.
    """
    if len(data) > MAX_BYTES:
        raise CalendarRefused("calendar_too_large",
                              f"the file is larger than {MAX_BYTES // 1024} KiB")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidCalendar(f"not an iCalendar file: {str(exc)[:200]}") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise InvalidCalendar("the file does not start with BEGIN:VCALENDAR")
    try:
        return _expand(calendar, window_start, window_end, default_tz)
    except (InvalidCalendar, CalendarRefused, MemoryError):
        raise  # MemoryError: the sandbox's budget, answered as such
    except Exception as exc:  # the libraries raise many types for bad values; all are 4xx
        raise InvalidCalendar(f"bad event data: {type(exc).__name__}: {str(exc)[:200]}"
                              ) from exc


def _expand(calendar: icalendar.Calendar, start: datetime, end: datetime,
            default_tz: tzinfo) -> ParsedCalendar:
    calendar = x_wr_timezone.to_standard(calendar)
    method = str(calendar.get("METHOD", "PUBLISH")).upper()
    parsed = ParsedCalendar(method=method, window_end=end)
    recurring: set[str] = set()
    events = list(calendar.walk("VEVENT"))
    for event in events:
        uid = str(event.get("UID", "")).strip()
        if not uid:
            raise InvalidCalendar("an event has no UID")
        errors = getattr(event, "errors", None)
        if errors:  # icalendar drops a property it cannot read and notes why
            name, why = errors[0]
            raise InvalidCalendar(f"event {uid[:80]!r}: bad {name}: {str(why)[:160]}")
        if event.get("DTSTART") is None:
            raise InvalidCalendar(f"event {uid[:80]!r} has no DTSTART")
        event.decoded("DTSTART")  # bad values fail here, with the UID in the message
        check_rules(event, uid)
        sequence = int(event.get("SEQUENCE", 0))
        parsed.sequences[uid] = max(sequence, parsed.sequences.get(uid, 0))
        if event.get("RRULE") or event.get("RDATE") or event.get("RECURRENCE-ID"):
            recurring.add(uid)
        if event.get("RECURRENCE-ID") is None:
            parsed.masters.add(uid)
        cancelled = method == "CANCEL" or str(event.get("STATUS", "")).upper() == "CANCELLED"
        if cancelled and event.get("RECURRENCE-ID") is None:
            parsed.cancelled_series[uid] = max(sequence, parsed.cancelled_series.get(uid, 0))
    if method == "CANCEL":
        # A CANCEL message lists what goes away; it is not a calendar to expand.
        for event in events:
            if event.get("RECURRENCE-ID") is not None:
                parsed.occurrences.append(_occurrence(event, event, True, recurring,
                                                      default_tz, parsed.sequences))
        return parsed
    for occ in expand(calendar, start, end, limit=MAX_OCCURRENCES):
        cancelled = str(occ.get("STATUS", "")).upper() == "CANCELLED"
        parsed.occurrences.append(_occurrence(occ, occ, cancelled, recurring, default_tz,
                                              parsed.sequences))
    return parsed


def _occurrence(event: icalendar.Event, timing: icalendar.Event, cancelled: bool,
                recurring: set[str], default_tz: tzinfo, sequences: dict[str, int]
                ) -> Occurrence:
    uid = str(event.get("UID")).strip()
    start_value = timing.decoded("DTSTART")
    all_day = _is_day(start_value)
    if all_day:
        starts, ends = _day_span(timing, start_value, default_tz)
    else:
        starts = _utc(start_value, default_tz)
        if timing.get("DTEND") is not None:
            ends = _utc(timing.decoded("DTEND"), default_tz)
        elif timing.get("DURATION") is not None:
            ends = starts + timing.decoded("DURATION")
        else:
            ends = starts  # RFC 5545: a date-time DTSTART alone is an instant
        if ends == starts:
            ends = starts + timedelta(minutes=30)  # an instant still books the room a while
    if ends < starts:
        raise InvalidCalendar(f"event {uid[:80]!r} ends before it starts")
    recurrence = ""
    if uid in recurring:
        rid = event.get("RECURRENCE-ID")
        original = rid.dt if rid is not None else start_value
        # A day stays a day (the key must not move when the site's zone is changed).
        recurrence = (original.isoformat() if _is_day(original)
                      else _utc(original, default_tz).isoformat())
    organizer = event.get("ORGANIZER")
    return Occurrence(
        uid=uid[:500], recurrence=recurrence, sequence=sequences.get(uid, 0),
        title=str(event.get("SUMMARY", "(no title)"))[:300], starts_at=starts, ends_at=ends,
        location=str(event.get("LOCATION", "")).strip()[:200],
        organizer=_email(organizer).lower() if organizer is not None else None,
        attendees=_attendees(event), cancelled=cancelled, modified=_modified(event),
        all_day=all_day)


def _day_span(timing: icalendar.Event, first: date, default_tz: tzinfo
              ) -> tuple[datetime, datetime]:
    """An all-day event's local midnight to midnight, in UTC (RFC 5545 3.6.1: DTEND is the
    day after; with neither DTEND nor DURATION it is that one day)."""
    last = first + timedelta(days=1)
    if timing.get("DTEND") is not None:
        end_value = timing.decoded("DTEND")
        last = end_value.date() if isinstance(end_value, datetime) else end_value
    elif timing.get("DURATION") is not None:
        last = first + timedelta(days=max(1, timing.decoded("DURATION").days))
    if last == first:
        last = first + timedelta(days=1)  # some exporters end a one-day event on its own day
    return _utc(first, default_tz), _utc(last, default_tz)
