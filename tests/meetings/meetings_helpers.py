"""Helpers for the meetings tests: fixture calendars dated relative to today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

FIXTURES = Path(__file__).parent / "fixtures"


def base_day() -> date:
    """The first day of the fixture series: two days from now (always in the future)."""
    return datetime.now(UTC).date() + timedelta(days=2)


def calendar(name: str) -> bytes:
    """A fixture .ics with {D<n>} replaced by base_day() + n days (YYYYMMDD)."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for n in range(30, -1, -1):
        text = text.replace(f"{{D{n}}}", (base_day() + timedelta(days=n)).strftime("%Y%m%d"))
    # RFC 5545 lines end in CRLF, as real exports do.
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def site_day(moment: datetime) -> str:
    """The calendar day (YYYY-MM-DD) of ``moment`` at the test site (Asia/Tokyo, the default),
    as the occupancy log and meetings list count days."""
    return moment.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()


def tokyo(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A Tokyo wall-clock time on base_day() + day_offset, as UTC."""
    d = base_day() + timedelta(days=day_offset)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)
