"""Per-door opening hours with holiday exceptions, decided offline at the door.

Shape (JSON, inside the retained DeviceConfig)::

    "timezone": "Asia/Tokyo",
    "opening_hours": {"mon": [["08:00", "19:00"]], "sat": [["10:00", "14:00"]]},
    "holidays": {"2026-12-25": [], "2026-12-31": [["09:00", "12:00"]]}

``opening_hours`` null means "no schedule: open whenever the pass allows". A weekday that is
missing (or has ``[]``) is closed all day. A holiday date replaces that day's hours: ``[]``
closes the door all day, a list of spans is the day's only opening. Times are local to the
site's time zone; "24:00" ends a span at midnight (a night shift is two spans, one per day).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTSIDE_HOURS = "outside opening hours"
OUTSIDE_HOURS_HOLIDAY = "outside opening hours (holiday)"
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_MAX_HOLIDAYS = 1000  # a few years of dates; keeps the retained config small

Spans = list[list[str]]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def check_spans(name: str, spans: Any) -> Spans:
    """Validate a list of ``["HH:MM", "HH:MM"]`` spans; ValueError names the field."""
    if not isinstance(spans, list) or len(spans) > 12:
        raise ValueError(f"{name} must be a list of at most 12 [start, end] spans")
    for span in spans:
        if (not isinstance(span, list) or len(span) != 2
                or not all(isinstance(t, str) and _TIME.match(t) for t in span)):
            raise ValueError(f"{name}: each span must be [\"HH:MM\", \"HH:MM\"]")
        if _minutes(span[0]) >= _minutes(span[1]):
            raise ValueError(f"{name}: span {span[0]}-{span[1]} must start before it ends")
    return [list(s) for s in spans]


def check_timezone(value: Any) -> str:
    """Validate an IANA time zone name (e.g. "Asia/Tokyo")."""
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ValueError("timezone must be an IANA name such as Asia/Tokyo")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value[:64]!r}") from None
    return value


def check_opening_hours(value: Any) -> dict[str, Spans] | None:
    """Validate weekly opening hours (None = no schedule)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("opening_hours must be an object of weekday -> spans, or null")
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise ValueError(f"opening_hours has unknown weekdays: {', '.join(unknown)[:100]}"
                         f" (use {', '.join(WEEKDAYS)})")
    return {day: check_spans(f"opening_hours.{day}", spans) for day, spans in value.items()}


def check_holidays(value: Any) -> dict[str, Spans]:
    """Validate holiday dates ("YYYY-MM-DD" -> spans, [] = closed all day)."""
    if not isinstance(value, dict) or len(value) > _MAX_HOLIDAYS:
        raise ValueError(f"holidays must be an object of date -> spans (at most {_MAX_HOLIDAYS})")
    out = {}
    for day, spans in value.items():
        try:
            date.fromisoformat(day)
        except (TypeError, ValueError):
            raise ValueError(f"holidays: {str(day)[:20]!r} is not a YYYY-MM-DD date") from None
        out[day] = check_spans(f"holidays.{day}", spans)
    return out


def closed_reason(*, timezone: str, opening_hours: dict[str, Spans] | None,
                  holidays: dict[str, Spans], now: float) -> str | None:
    """None when the door is open at ``now`` (epoch seconds), else why it is closed."""
    if opening_hours is None and not holidays:
        return None
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    holiday = holidays.get(local.date().isoformat())
    if holiday is not None:
        spans = holiday
    elif opening_hours is None:
        return None  # holidays only: an ordinary day is not restricted
    else:
        spans = opening_hours.get(WEEKDAYS[local.weekday()], [])
    if any(_minutes(a) <= minute < _minutes(b) for a, b in spans):
        return None
    return OUTSIDE_HOURS_HOLIDAY if holiday is not None else OUTSIDE_HOURS
