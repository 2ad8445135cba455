"""The site's local time: one place that turns stored UTC moments into what people read.

Everything is stored and exchanged (API, MQTT, CSV) in UTC; pages, e-mails and messages show
the site's wall-clock time with its zone, e.g. "2026-11-23 15:04 JST". Templates use the
``localtime`` filter (see ``install``); Python code calls ``format_local``.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment

from officegate.server.errors import InvalidInput

DEFAULT_TIME_ZONE = "Asia/Tokyo"

# How each style reads; every style with a date also names the zone.
STYLES = {
    "datetime": "%Y-%m-%d %H:%M %Z",
    "seconds": "%Y-%m-%d %H:%M:%S %Z",
    "date": "%Y-%m-%d",
    "time": "%H:%M",
    "time_seconds": "%H:%M:%S",
    "time_zone": "%H:%M %Z",
}


def check_time_zone(name: str) -> str:
    """``name`` when it is an IANA time zone (e.g. "Asia/Tokyo"); InvalidInput otherwise."""
    text = (name or "").strip()
    try:
        if not text or len(text) > 64:
            raise ValueError(text)
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("bad_time_zone",
                           f"unknown time zone {text[:64]!r}; use an IANA name such as "
                           "Asia/Tokyo or Europe/London",
                           f"タイムゾーン {text[:64]!r} は不明です(例: Asia/Tokyo)") from None
    return text


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo called ``name`` (cached; ``name`` must be valid)."""
    return ZoneInfo(name)


def to_local(moment: datetime, time_zone: str) -> datetime:
    """``moment`` (aware; naive is taken as UTC, as the database means it) in ``time_zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(time_zone))


def format_local(moment: datetime | None, time_zone: str, style: str = "datetime") -> str:
    """``moment`` as the site reads it, e.g. "2026-11-23 15:04 JST"; "" for None.

    ``style`` is one of STYLES (datetime, seconds, date, time, time_seconds, time_zone).
    """
    if moment is None:
        return ""
    return to_local(moment, time_zone).strftime(STYLES[style])


def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC start and end of the local calendar ``day`` (23 or 25 hours across DST)."""
    start = datetime.combine(day, time.min, zone(time_zone))
    end = datetime.combine(day + timedelta(days=1), time.min, zone(time_zone))
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(time_zone: str, now: datetime | None = None) -> date:
    """The site's calendar date at ``now`` (default: the current time)."""
    return to_local(now or datetime.now(UTC), time_zone).date()


class SiteClock:
    """The time zone pages are rendered in; the admin can change it while the server runs.

    ``str(clock)`` is the IANA name, so a template writes ``{{ site_time_zone }}`` for the
    browser's ``Intl.DateTimeFormat({timeZone})``.
    """

    def __init__(self, time_zone: str = DEFAULT_TIME_ZONE) -> None:
        self._lock = threading.Lock()
        self._name = check_time_zone(time_zone)

    @property
    def name(self) -> str:
        """The IANA name, e.g. "Asia/Tokyo"."""
        return self._name

    def set(self, time_zone: str) -> None:
        """Render from now on in ``time_zone`` (validated)."""
        checked = check_time_zone(time_zone)
        with self._lock:
            self._name = checked

    def label(self, at: datetime | None = None) -> str:
        """The zone's abbreviation at ``at`` (default now), e.g. "JST", "BST", "+07"."""
        return to_local(at or datetime.now(UTC), self._name).strftime("%Z")

    def format(self, moment: datetime | None, style: str = "datetime") -> str:
        """:func:`format_local` in this clock's zone."""
        return format_local(moment, self._name, style)

    def local(self, moment: datetime) -> datetime:
        """``moment`` as an aware datetime in this clock's zone."""
        return to_local(moment, self._name)

    def __str__(self) -> str:
        return self._name


def install(env: Environment, clock: SiteClock) -> None:
    """Give templates ``|localtime(style)``, ``|local`` and the global ``site_time_zone``."""
    env.filters["localtime"] = clock.format
    env.filters["local"] = clock.local
    env.globals["site_time_zone"] = clock


def clock_of(env: Environment) -> SiteClock | None:
    """The clock ``install`` put into ``env``, if any."""
    clock = env.globals.get("site_time_zone")
    return clock if isinstance(clock, SiteClock) else None
