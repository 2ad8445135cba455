"""Subscribed calendar feeds (an https .ics URL), re-read periodically into meetings."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server import localtime
from officegate.server.auth.models import User
from officegate.server.console.forms import FieldError
from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput, NotFound
from officegate.server.meetings import ical
from officegate.server.meetings.importer import ImportResult, apply_calendar
from officegate.server.meetings.models import CalendarFeed, Room
from officegate.server.meetings.passes import PassContext
from officegate.server.meetings.recurrence import CalendarRefused
from officegate.server.meetings.sandbox import ParseBudget, parse_bounded
from officegate.server.outbound import FEED_SCHEMES, OutboundPolicy, OutboundRefused
from officegate.server.sites import service as sites

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 15.0


def _checked_url(url: str, outbound: OutboundPolicy | None) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in FEED_SCHEMES or not parts.netloc:
        raise FieldError("url", "bad_feed_url", "the feed URL must be http(s):// or webcal://",
                         "カレンダーURLは http(s):// または webcal:// にしてください")
    try:
        (outbound or OutboundPolicy()).check_url(url, schemes=FEED_SCHEMES, what="calendar URL")
    except InvalidInput as exc:  # named at the field on the page
        raise FieldError("url", exc.code, exc.message_en, exc.message_ja) from None
    return url.strip()


def add_feed(*, db: Session, url: str, room: Room, host: User,
             outbound: OutboundPolicy | None = None) -> CalendarFeed:
    """Subscribe ``room`` to the calendar at ``url`` (http, https or webcal); InvalidInput
    (422) for another scheme or a host inside the network that ``outbound`` does not allow."""
    feed = CalendarFeed(url=_checked_url(url, outbound), room_id=room.id, host_id=host.id)
    db.add(feed)
    db.flush()
    return feed


def update_feed(*, db: Session, feed: CalendarFeed, url: str, room: Room,
                outbound: OutboundPolicy | None = None) -> CalendarFeed:
    """Point a feed at another URL or room (checked as when added); it is read afresh."""
    checked = _checked_url(url, outbound)
    if checked != feed.url or room.id != feed.room_id:
        feed.url, feed.room_id = checked, room.id
        feed.last_read_at, feed.last_error = None, None
    db.flush()
    return feed


def remove_feed(*, db: Session, feed: CalendarFeed) -> None:
    """Stop reading a feed; the meetings it brought in stay booked."""
    db.delete(feed)
    db.flush()


def get_feed(*, db: Session, feed_id: int) -> CalendarFeed:
    """The feed with ``feed_id``; NotFound otherwise."""
    feed = db.get(CalendarFeed, feed_id)
    if feed is None:
        raise NotFound("unknown_feed", f"no calendar feed {feed_id}",
                       f"カレンダー {feed_id} はありません")
    return feed


def fetch(url: str, *, outbound: OutboundPolicy | None = None) -> bytes:
    """GET the feed (webcal:// is https://); ValueError with the reason on failure.

    Every connection, redirects included, is checked against ``outbound`` as it is made.
    """
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    body = bytearray()
    try:
        with (outbound or OutboundPolicy()).guarded(), \
                httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True) as client, \
                client.stream("GET", url, headers={"Accept": "text/calendar"}) as response:
            if response.status_code != 200:
                raise ValueError(f"the feed answered HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > ical.MAX_BYTES:  # stop reading: never hold a huge feed
                    raise CalendarRefused("calendar_too_large", "the feed is larger than "
                                          f"{ical.MAX_BYTES // 1024} KiB")
    except httpx.HTTPError as exc:
        refused = _refusal(exc)
        if refused is not None:
            raise ValueError(f"could not read the feed: {refused}") from exc
        raise ValueError(f"could not read the feed: {type(exc).__name__}") from exc
    return bytes(body)


def _refusal(exc: BaseException) -> str | None:
    """The guard's reason when it was what stopped the connection."""
    while exc is not None:
        if isinstance(exc, OutboundRefused):
            return str(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def refresh(*, db: Session, ctx: PassContext, feed: CalendarFeed, import_days: int,
            data: bytes | None = None, outbound: OutboundPolicy | None = None,
            budget: ParseBudget | None = None) -> ImportResult:
    """Read the feed (or ``data``) and apply it; ValueError/InvalidInput when unusable.

    The file is parsed in a child process within ``budget`` (meetings/sandbox.py); a feed
    that exceeds it raises CalendarRefused (a ValueError) with code calendar_too_costly.
    """
    if data is None:
        data = fetch(feed.url, outbound=outbound)
    now = utcnow()
    room = db.get(Room, feed.room_id)
    host = db.get(User, feed.host_id)
    assert room is not None and host is not None
    zone = sites.time_zone_of(db=db, site_id=room.site_id)
    parsed = parse_bounded(data, window_start=now - timedelta(days=1),
                           window_end=now + timedelta(days=import_days),
                           default_tz=localtime.zone(zone), budget=budget)
    result = apply_calendar(db=db, ctx=ctx, parsed=parsed, importer=host, default_room=room,
                            source="feed", feed_id=feed.id)
    feed.last_read_at, feed.last_error = now, None
    return result


def all_feeds(*, db: Session) -> list[CalendarFeed]:
    """Every subscribed feed."""
    return list(db.scalars(select(CalendarFeed).order_by(CalendarFeed.id)))
