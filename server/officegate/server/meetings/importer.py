"""Apply a parsed iCalendar file to the meetings table, the way RFC 5545/5546 say.

An occurrence is identified by UID + RECURRENCE-ID. A copy with a lower SEQUENCE (or the same
SEQUENCE and an older LAST-MODIFIED) is stale and changes nothing. An update - a higher
SEQUENCE, or the same one with a newer LAST-MODIFIED (Google edits guests so) - also brings
the attendee list: new people get passes, people no longer listed lose theirs and the host
is told. A series present in the file loses the future occurrences it no longer has (an
EXDATE added, a shorter RRULE). Everything runs in the caller's transaction: the route
commits only when the whole file applied, then sends ``host_notices``.
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
from officegate.server.invitations.service import Guest, Invitation
from officegate.server.localtime import format_local
from officegate.server.meetings import notices, passes, service
from officegate.server.meetings.ical import Occurrence, ParsedCalendar
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.meetings.passes import PassContext
from officegate.server.notify.sender import Outgoing
from officegate.server.sites import service as sites


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
    attendees_added: int = 0
    attendees_removed: int = 0
    host_notices: list[Outgoing] = field(default_factory=list)  # send after the commit
    invitations: list[Invitation] = field(default_factory=list)  # announce after the commit


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
        if existing is not None and _version(existing, occ) < 0:
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


def _version(meeting: Meeting, occ: Occurrence) -> int:
    """-1: ``occ`` is an older copy than the stored one; 0: the same; 1: a newer one."""
    if occ.sequence != meeting.sequence:
        return 1 if occ.sequence > meeting.sequence else -1
    if occ.modified is None or occ.modified == meeting.ical_modified:
        return 0
    if meeting.ical_modified is None or occ.modified > meeting.ical_modified:
        return 1
    return -1


def _people(db: Session, occ: Occurrence, host: User
            ) -> tuple[dict[str, User], dict[str, str]]:
    """The event's attendees other than the host: employees (active users) and visitors
    (everyone else), each by lower-case e-mail."""
    employees: dict[str, User] = {}
    visitors: dict[str, str] = {}
    for email, name in occ.attendees:
        if email == host.email.lower():
            continue
        user = auth_service.get_user_by_email(db=db, email=email)
        if user is not None and user.active:
            employees[email] = user
        else:
            visitors[email] = name
    return employees, visitors


def _label(db: Session, room: Room, occ: Occurrence) -> str:
    zone = sites.time_zone_of(db=db, site_id=room.site_id)
    return format_local(occ.starts_at, zone, "date" if occ.all_day else "datetime")


def _create(db: Session, ctx: PassContext, occ: Occurrence, importer: User,
            default_room: Room | None, source: str, feed_id: int | None,
            result: ImportResult) -> None:
    room = _room_for(db, occ, default_room)
    host = importer
    if occ.organizer:
        organizer = auth_service.get_user_by_email(db=db, email=occ.organizer)
        if organizer is not None and organizer.active:
            host = organizer
    staff, guests = _people(db, occ, host)
    employees = [user.email for user in staff.values()]
    visitors: list[tuple[str, str | None]] = [(name, email) for email, name in guests.items()]
    change = service.create_meeting(
        db=db, ctx=ctx, room=room, host=host, title=occ.title, starts_at=occ.starts_at,
        ends_at=occ.ends_at, employees=employees, visitors=visitors, source=source,
        check_free=False)  # the calendar is the booking system of record
    meeting = change.meeting
    meeting.ical_key, meeting.ical_uid, meeting.sequence = occ.key, occ.uid, occ.sequence
    meeting.ical_modified, meeting.all_day = occ.modified, occ.all_day
    meeting.feed_id = feed_id
    result.created += 1
    result.meeting_ids.append(meeting.id)
    label = _label(db, room, occ)  # the site's clock, as the people invited read it
    result.pass_urls.update({f"{name} ({label})": url
                             for name, url in change.pass_urls.items()})
    result.invitations.extend(change.invitations)


def _update(db: Session, ctx: PassContext, meeting: Meeting, occ: Occurrence,
            result: ImportResult) -> None:
    result.meeting_ids.append(meeting.id)
    if meeting.status != "scheduled":
        result.unchanged += 1  # a cancelled or released occurrence stays so
        return
    newer = _version(meeting, occ) > 0
    changed = meeting.title != occ.title or newer or meeting.all_day != occ.all_day
    meeting.title, meeting.sequence = occ.title, occ.sequence
    meeting.all_day = occ.all_day
    if occ.modified is not None:
        meeting.ical_modified = occ.modified
    if (meeting.starts_at, meeting.ends_at) != (occ.starts_at, occ.ends_at):
        change = service.move_meeting(db=db, ctx=ctx, meeting=meeting, starts_at=occ.starts_at,
                                      ends_at=occ.ends_at, check_free=False)
        result.revocations_changed |= change.revocations_changed
        changed = True
    if newer:
        _update_attendees(db, ctx, meeting, occ, result)
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _update_attendees(db: Session, ctx: PassContext, meeting: Meeting, occ: Occurrence,
                      result: ImportResult) -> None:
    """Make the meeting's people the event's: invite the new, revoke the ones taken off."""
    host = db.get(User, meeting.host_id)
    room = db.get(Room, meeting.room_id)
    assert host is not None and room is not None
    staff, guests = _people(db, occ, host)
    present: dict[str, Attendee] = {}
    for attendee in service.attendees(db=db, meeting=meeting):
        if attendee.user_id == host.id or not attendee.email:
            continue  # the host stays; people added by hand (no e-mail) are not the feed's
        email = attendee.email.lower()
        if email in staff or email in guests:
            present[email] = attendee
            continue
        attendee.removed_at = utcnow()
        result.revocations_changed |= passes.revoke_attendee(db=db, meeting=meeting,
                                                             attendee=attendee)
        result.attendees_removed += 1
        told = notices.attendee_removed(db=db, meeting=meeting, attendee=attendee)
        if told is not None:
            result.host_notices.append(told)
    label = _label(db, room, occ)
    for email, user in staff.items():
        if email not in present:
            passes.add_employee(db=db, ctx=ctx, meeting=meeting, room=room, user=user)
            result.attendees_added += 1
    for email, name in guests.items():
        if email not in present:
            _attendee, invited = passes.invite_visitor(
                db=db, ctx=ctx, meeting=meeting, room=room, host=host,
                guest=Guest(name=name, email=email),
                source=meeting.source if meeting.source in ("ics", "feed") else "meeting")
            result.attendees_added += 1
            if invited is not None:
                result.invitations.append(invited)
                if invited.pass_url:
                    result.pass_urls[f"{name} ({label})"] = invited.pass_url
    db.flush()


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
