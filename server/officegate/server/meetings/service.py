"""Rooms and meetings: create, move, cancel, list. Keyword-only functions called by routes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from officegate.server.auth import service as auth_service
from officegate.server.auth.models import User
from officegate.server.console.forms import FieldError
from officegate.server.db import utcnow
from officegate.server.devices import service as devices
from officegate.server.errors import Conflict, InvalidInput, NotFound
from officegate.server.invitations.service import Guest, Invitation
from officegate.server.meetings import passes
from officegate.server.meetings.models import Attendee, CalendarFeed, Meeting, Room
from officegate.server.meetings.passes import PassContext
from officegate.server.sites import service as sites


@dataclass
class MeetingChange:
    """What a change did: the meeting, visitors' new links, whether doors must hear of it."""

    meeting: Meeting
    pass_urls: dict[str, str] = field(default_factory=dict)  # visitor name -> link
    revocations_changed: bool = False
    # Announce after the commit (invitations.service.announce): the invitation messages.
    invitations: list[Invitation] = field(default_factory=list)


def create_room(*, db: Session, site: str, name: str, label: str, door: str,
                sensor: str | None = None, capacity: int = 8,
                via_zones: list[str] | None = None) -> Room:
    """Register a room behind an existing door device; Conflict when name or door is taken;
    a FieldError (on ``name``) for a name that is no id."""
    try:
        sites.check_name(name, what="room")
    except InvalidInput as exc:  # named at its field on the settings page
        raise FieldError("name", exc.code, exc.message_en, exc.message_ja) from None
    site_row = sites.get_site(db=db, code=site)
    device = devices.get_device(db=db, name=door)
    if device.site_id != site_row.id:
        raise InvalidInput("door_elsewhere", f"door {door} belongs to another site",
                           f"ドア {door} は別のサイトのものです")
    if db.scalar(select(Room).where((Room.name == name) | (Room.door == door))) is not None:
        raise Conflict("room_exists", f"a room {name} or a room with door {door} exists",
                       f"会議室 {name} またはドア {door} の会議室は既に存在します")
    room = Room(site_id=site_row.id, name=name, label=label or name, door=door, sensor=sensor,
                capacity=capacity, via_zones=sorted(set(via_zones or [])))
    db.add(room)
    db.flush()
    return room


def update_room(*, db: Session, room: Room, label: str, door: str, capacity: int,
                now: datetime) -> Room:
    """Rename a room, change its capacity or its door. The door moves only while no meeting
    of the room is still to end (their passes name the old door): a FieldError (422, on the
    door) then."""
    if door != room.door:
        device = devices.get_device(db=db, name=door)
        if device.site_id != room.site_id:
            raise FieldError("door", "door_elsewhere", f"door {door} belongs to another site",
                             f"ドア {door} は別のサイトのものです")
        if db.scalar(select(Room).where(Room.door == door, Room.id != room.id)) is not None:
            raise FieldError("door", "door_taken", f"another room has door {door}",
                             f"ドア {door} は別の会議室で使われています")
        if db.scalar(select(Meeting.id).where(Meeting.room_id == room.id,
                                              Meeting.ends_at > now).limit(1)) is not None:
            raise FieldError("door", "room_booked",
                             "the room has meetings still to come; their passes name its door",
                             "この会議室にはこれからの会議があり、そのパスは今のドアを指しています")
        room.door = door
    room.label = label.strip() or room.name
    room.capacity = capacity
    db.flush()
    return room


def remove_room(*, db: Session, room: Room) -> None:
    """Remove a room nobody ever booked (with its calendar feeds). A room with meetings keeps
    its occupancy history: Conflict (409), rename it instead."""
    if db.scalar(select(Meeting.id).where(Meeting.room_id == room.id).limit(1)) is not None:
        raise Conflict("room_has_meetings",
                       "the room has meetings and keeps their history; rename it instead",
                       "会議の記録がある会議室は削除できません。名前を変更してください")
    db.execute(delete(CalendarFeed).where(CalendarFeed.room_id == room.id))
    db.delete(room)
    db.flush()


def list_rooms(*, db: Session) -> list[Room]:
    """Every room, by name."""
    return list(db.scalars(select(Room).order_by(Room.name)))


def get_room(*, db: Session, name: str) -> Room:
    """The room called ``name`` (or whose label is ``name``); NotFound otherwise."""
    room = db.scalar(select(Room).where((Room.name == name) | (Room.label == name)))
    if room is None:
        raise NotFound("unknown_room", f"no room {name[:80]!r}",
                       f"会議室 {name[:80]!r} はありません")
    return room


def get_meeting(*, db: Session, meeting_id: int) -> Meeting:
    """The meeting with ``meeting_id``; NotFound otherwise."""
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("unknown_meeting", f"no meeting {meeting_id}",
                       f"会議 {meeting_id} はありません")
    return meeting


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("naive_time", "times need a time zone", "時刻にはタイムゾーンが必要です")
    if ends_at <= starts_at:
        raise InvalidInput("bad_window", "ends_at must be after starts_at",
                           "終了時刻は開始時刻より後にしてください")


def _check_free(db: Session, room: Room, starts_at: datetime, ends_at: datetime,
                ignore: int | None = None) -> None:
    clash = db.scalar(select(Meeting).where(
        Meeting.room_id == room.id, Meeting.status == "scheduled",
        Meeting.starts_at < ends_at, Meeting.ends_at > starts_at,
        Meeting.id != (ignore or 0)))
    if clash is not None:
        raise Conflict("room_taken", f"{room.label} is booked then ({clash.title[:80]})",
                       f"{room.label} はその時間に予約済みです")


def create_meeting(
    *, db: Session, ctx: PassContext, room: Room, host: User, title: str, starts_at: datetime,
    ends_at: datetime, employees: Sequence[str] = (),
    visitors: Sequence[tuple[str, str | None] | Guest] = (),
    source: str = "api", check_free: bool = True, note: str | None = None,
) -> MeetingChange:
    """Book ``room``; the host and ``employees`` (emails) get employee passes, ``visitors``
    ((name, email) or Guest) are invited through the one invitation path with passes for
    the room door. Conflict when the room is taken.
    """
    _check_window(starts_at, ends_at)
    if check_free:
        _check_free(db, room, starts_at, ends_at)
    people = [host]
    for email in employees:
        user = auth_service.get_user_by_email(db=db, email=email)
        if user is None or not user.active:
            raise InvalidInput("unknown_employee", f"no user {email[:80]!r}",
                               f"ユーザー {email[:80]!r} は登録されていません")
        if user.id not in {p.id for p in people}:
            people.append(user)
    meeting = Meeting(room_id=room.id, host_id=host.id, title=title.strip()[:300] or "Meeting",
                      starts_at=starts_at, ends_at=ends_at, status="scheduled", source=source,
                      sequence=0)
    db.add(meeting)
    db.flush()
    change = MeetingChange(meeting=meeting)
    for user in people:
        passes.add_employee(db=db, ctx=ctx, meeting=meeting, room=room, user=user)
    for visitor in visitors:
        guest = visitor if isinstance(visitor, Guest) else Guest(name=visitor[0],
                                                                 email=visitor[1])
        _attendee, invited = passes.invite_visitor(
            db=db, ctx=ctx, meeting=meeting, room=room, host=host, guest=guest, note=note,
            source=source if source in ("ics", "feed", "invite") else "meeting")
        if invited is not None:
            change.invitations.append(invited)
            if invited.pass_url:
                change.pass_urls[guest.name] = invited.pass_url
    db.flush()
    return change


def move_meeting(*, db: Session, ctx: PassContext, meeting: Meeting, starts_at: datetime,
                 ends_at: datetime, check_free: bool = True) -> MeetingChange:
    """Move or extend a meeting: passes are re-issued for the new window."""
    _check_window(starts_at, ends_at)
    if meeting.status != "scheduled":
        raise Conflict("not_scheduled", f"the meeting is {meeting.status}",
                       "この会議は変更できません")
    room = db.get(Room, meeting.room_id)
    assert room is not None
    if check_free:
        _check_free(db, room, starts_at, ends_at, ignore=meeting.id)
    meeting.starts_at, meeting.ends_at, meeting.updated_at = starts_at, ends_at, utcnow()
    revoked = passes.reissue(db=db, ctx=ctx, meeting=meeting, room=room)
    db.flush()
    return MeetingChange(meeting=meeting, revocations_changed=revoked)


def cancel_meeting(*, db: Session, meeting: Meeting, status: str = "cancelled") -> MeetingChange:
    """Cancel (or release as no-show) a meeting and revoke its passes."""
    if meeting.status != "scheduled":
        return MeetingChange(meeting=meeting)
    meeting.status, meeting.updated_at = status, utcnow()
    if status == "no_show":
        meeting.released_at = utcnow()
    revoked = passes.revoke_all(db=db, meeting=meeting)
    db.flush()
    return MeetingChange(meeting=meeting, revocations_changed=revoked)


def attendees(*, db: Session, meeting: Meeting) -> list[Attendee]:
    """The meeting's attendees, host first (not those taken off it in the calendar)."""
    return list(db.scalars(select(Attendee).where(Attendee.meeting_id == meeting.id,
                                                  Attendee.removed_at.is_(None))
                           .order_by(Attendee.id)))


def meetings_between(*, db: Session, room: Room | None, start: datetime, end: datetime,
                     host: User | None = None) -> list[Meeting]:
    """Meetings overlapping [start, end), by start; optionally one room's or one host's."""
    query = select(Meeting).where(Meeting.starts_at < end, Meeting.ends_at > start)
    if room is not None:
        query = query.where(Meeting.room_id == room.id)
    if host is not None:
        query = query.where(Meeting.host_id == host.id)
    return list(db.scalars(query.order_by(Meeting.starts_at, Meeting.id)))
