"""Apply a parsed iCalendar file to the meetings table, the way RFC 5545/5546 say.

An occurrence is identified by UID + RECURRENCE-ID; an update wins only with a SEQUENCE at
least the stored one; a series present in the file loses the future occurrences it no longer
has (an EXDATE added, a shorter RRULE). Everything runs in the caller's transaction: the
route commits only when the whole file applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.server.auth import service as auth_service
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput
from officegate.server.meetings import service
from officegate.server.meetings.ical import Occurrence, ParsedCalendar
from officegate.server.meetings.models import Meeting, Room
from officegate.server.meetings.passes import PassContext


@dataclass
class ImportResult:
    """Counts of what an import did, and the pass links of newly invited visitors."""

    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    stale: int = 0
    skipped_all_day: int = 0
    meeting_ids: list[int] = field(default_factory=list)
    pass_urls: dict[str, str] = field(default_factory=dict)
    revocations_changed: bool = False


def _room_for(db: Session, occ: Occurrence, default_room: Room | None) -> Room:
    if occ.location:
        wanted = occ.location.lower()
        for room in db.scalars(select(Room)):
            if wanted in (room.name.lower(), room.label.lower()):
                return room
    if default_room is None:
        raise InvalidInput("unknown_room", f"event {occ.title[:60]!r} is in "
                           f"{occ.location[:60]!r}, which is no room here; choose a room",
                           f"予定 {occ.title[:60]!r} の場所は登録済みの会議室ではありません")
    return default_room


def apply_calendar(*, db: Session, ctx: PassContext, parsed: ParsedCalendar, importer: User,
                   default_room: Room | None, source: str = "ics",
                   feed_id: int | None = None) -> ImportResult:
    """Create, update and cancel meetings as ``parsed`` says; returns what happened."""
    result = ImportResult(skipped_all_day=parsed.skipped_all_day)
    for uid, sequence in parsed.cancelled_series.items():
        for meeting in db.scalars(select(Meeting).where(Meeting.ical_uid == uid)):
            if meeting.sequence <= sequence and meeting.status == "scheduled":
                meeting.sequence = sequence
                _cancel(db, meeting, result)
    seen: set[str] = set()
    for occ in parsed.occurrences:
        seen.add(occ.key)
        existing = db.scalar(select(Meeting).where(Meeting.ical_key == occ.key))
        if existing is not None and existing.sequence > occ.sequence:
            result.stale += 1  # an older copy of the invitation arriving late
            continue
        if occ.cancelled or parsed.method == "CANCEL":
            if existing is not None and existing.status == "scheduled":
                existing.sequence = occ.sequence
                _cancel(db, existing, result)
            continue
        if occ.uid in parsed.cancelled_series:
            continue
        if existing is None:
            _create(db, ctx, occ, importer, default_room, source, feed_id, result)
        else:
            _update(db, ctx, existing, occ, result)
    _drop_missing(db, parsed, seen, result)
    return result


def _cancel(db: Session, meeting: Meeting, result: ImportResult) -> None:
    change = service.cancel_meeting(db=db, meeting=meeting)
    result.cancelled += 1
    result.revocations_changed |= change.revocations_changed


def _create(db: Session, ctx: PassContext, occ: Occurrence, importer: User,
            default_room: Room | None, source: str, feed_id: int | None,
            result: ImportResult) -> None:
    room = _room_for(db, occ, default_room)
    host = importer
    if occ.organizer:
        organizer = auth_service.get_user_by_email(db=db, email=occ.organizer)
        if organizer is not None and organizer.active:
            host = organizer
    employees: list[str] = []
    visitors: list[tuple[str, str | None]] = []
    for email, name in occ.attendees:
        if email == host.email:
            continue
        user = auth_service.get_user_by_email(db=db, email=email)
        if user is not None and user.active:
            employees.append(email)
        else:
            visitors.append((name, email))
    change = service.create_meeting(
        db=db, ctx=ctx, room=room, host=host, title=occ.title, starts_at=occ.starts_at,
        ends_at=occ.ends_at, employees=employees, visitors=visitors, source=source,
        check_free=False)  # the calendar is the booking system of record
    meeting = change.meeting
    meeting.ical_key, meeting.ical_uid, meeting.sequence = occ.key, occ.uid, occ.sequence
    meeting.feed_id = feed_id
    result.created += 1
    result.meeting_ids.append(meeting.id)
    result.pass_urls.update({f"{name} ({occ.starts_at:%Y-%m-%d %H:%M}Z)": url
                             for name, url in change.pass_urls.items()})


def _update(db: Session, ctx: PassContext, meeting: Meeting, occ: Occurrence,
            result: ImportResult) -> None:
    result.meeting_ids.append(meeting.id)
    if meeting.status != "scheduled":
        result.unchanged += 1  # a cancelled or released occurrence stays so
        return
    changed = meeting.title != occ.title or meeting.sequence != occ.sequence
    meeting.title, meeting.sequence = occ.title, occ.sequence
    if (meeting.starts_at, meeting.ends_at) != (occ.starts_at, occ.ends_at):
        change = service.move_meeting(db=db, ctx=ctx, meeting=meeting, starts_at=occ.starts_at,
                                      ends_at=occ.ends_at, check_free=False)
        result.revocations_changed |= change.revocations_changed
        changed = True
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _drop_missing(db: Session, parsed: ParsedCalendar, seen: set[str],
                  result: ImportResult) -> None:
    """Future occurrences of a series the file carries whole, but no longer lists."""
    if parsed.method == "CANCEL":
        return
    now: datetime = utcnow()
    for uid in parsed.masters - set(parsed.cancelled_series):
        rows = db.scalars(select(Meeting).where(
            Meeting.ical_uid == uid, Meeting.status == "scheduled", Meeting.starts_at > now,
            Meeting.sequence <= parsed.sequences.get(uid, 0)))
        for meeting in rows:
            if meeting.ical_key not in seen and meeting.starts_at < parsed.window_end:
                meeting.sequence = parsed.sequences.get(uid, 0)
                _cancel(db, meeting, result)


def count_meetings(*, db: Session) -> int:
    """How many meetings are stored (for tests and the status line)."""
    return int(db.scalar(select(func.count()).select_from(Meeting)) or 0)
