"""Meetings API (rooms, meetings, iCalendar import and feeds) and the host's meetings page."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import pass_secret, static_text
from officegate.protocol.cose import decode_sign1
from officegate.server import localtime
from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.db import RowId, utcnow
from officegate.server.deps import (
    InvitingUser,
    SessionDep,
    StaffPageUser,
    StaffUser,
    StateDep,
)
from officegate.server.errors import Forbidden, Gone, InvalidInput, NotFound
from officegate.server.http.openapi import CALENDAR_BODY, DAY_RULE
from officegate.server.invitations import service as invitations
from officegate.server.keys import service as keys
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.localtime import day_bounds, local_today
from officegate.server.meetings import feeds, ical, service
from officegate.server.meetings.importer import ImportResult, apply_calendar
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.meetings.recurrence import CalendarRefused
from officegate.server.meetings.sandbox import ParseBudget, parse_bounded
from officegate.server.meetings.schemas import (
    EmployeePassOut,
    FeedEditIn,
    FeedIn,
    FeedOut,
    ImportOut,
    MeetingCreatedOut,
    MeetingIn,
    MeetingMoveIn,
    MeetingOut,
    RoomEditIn,
    RoomIn,
    RoomOut,
)
from officegate.server.meetings.views import meeting_out
from officegate.server.occupancy.jobs import pass_context, publish_revocations
from officegate.server.sites import service as sites
from officegate.server.uploads import read_upload

router = APIRouter()


def _room_out(room: Room) -> RoomOut:
    return RoomOut(name=room.name, label=room.label, door=room.door, sensor=room.sensor,
                   capacity=room.capacity, via_zones=list(room.via_zones))


def _booking(meeting: Meeting) -> dict[str, object]:
    """A meeting as the audit log keeps it: room, times and state (never its title, which
    may name people)."""
    return {"room": meeting.room_id, "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(), "status": meeting.status}


def _import_counts(result: ImportResult) -> dict[str, int]:
    return {"created": result.created, "updated": result.updated,
            "cancelled": result.cancelled, "attendees_added": result.attendees_added,
            "attendees_removed": result.attendees_removed}


def _own(meeting: Meeting, user: User) -> Meeting:
    if user.role == Role.HOST and meeting.host_id != user.id:
        raise Forbidden("not_your_meeting", "hosts may change only their own meetings",
                        "ホストは自分の会議のみ変更できます")
    return meeting


@router.post("/api/rooms", response_model=RoomOut, status_code=201, tags=["meetings"])
def create_room(body: RoomIn, request: Request, db: SessionDep, state: StateDep,
                user: StaffUser) -> RoomOut:
    """Register a meeting room behind an existing door device (staff)."""
    room = service.create_room(db=db, site=state.settings.site, name=body.name,
                               label=body.label, door=body.door, sensor=body.sensor,
                               capacity=body.capacity, via_zones=body.via_zones)
    out = _room_out(room)
    audit.record(db, who=audit.actor_of(request, user), action="room.add",
                 target=f"room:{room.name}", after=audit.snapshot(out))
    return out


@router.put("/api/rooms/{name}", response_model=RoomOut, tags=["meetings"])
def edit_room(name: str, body: RoomEditIn, request: Request, db: SessionDep,
              user: StaffUser) -> RoomOut:
    """Change a room's shown name, capacity or door (staff); the door only while no meeting
    of the room is still to end (422 on the door field)."""
    room = service.get_room(db=db, name=name)
    before = audit.snapshot(_room_out(room))
    service.update_room(db=db, room=room, label=body.label, door=body.door,
                        capacity=body.capacity, now=utcnow())
    audit.record(db, who=audit.actor_of(request, user), action="room.edit",
                 target=f"room:{room.name}", before=before, after=audit.snapshot(_room_out(room)))
    return _room_out(room)


@router.delete("/api/rooms/{name}", status_code=204, tags=["meetings"])
def remove_room(name: str, request: Request, db: SessionDep, user: StaffUser) -> Response:
    """Remove a room that has no meetings (409 otherwise: its history stays), with its
    calendar feeds (staff)."""
    room = service.get_room(db=db, name=name)
    before = audit.snapshot(_room_out(room))
    service.remove_room(db=db, room=room)
    audit.record(db, who=audit.actor_of(request, user), action="room.remove",
                 target=f"room:{name}", before=before)
    return Response(status_code=204)


@router.get("/api/rooms", response_model=list[RoomOut], tags=["meetings"])
def list_rooms(db: SessionDep, _user: InvitingUser) -> list[RoomOut]:
    """Every meeting room."""
    return [_room_out(r) for r in service.list_rooms(db=db)]


@router.post("/api/meetings", response_model=MeetingCreatedOut, status_code=201,
             tags=["meetings"])
def create_meeting(body: MeetingIn, request: Request, db: SessionDep, state: StateDep,
                   user: InvitingUser) -> MeetingCreatedOut:
    """Book a room; visitors get pass links (only in this answer) for the room door."""
    room = service.get_room(db=db, name=body.room)
    change = service.create_meeting(
        db=db, ctx=pass_context(state), room=room, host=user, title=body.title,
        starts_at=body.starts_at, ends_at=body.ends_at, employees=list(body.employees),
        visitors=[(v.name, v.email) for v in body.visitors])
    audit.record(db, who=audit.actor_of(request, user), action="meeting.add",
                 target=f"meeting:{change.meeting.id}", after=_booking(change.meeting))
    db.commit()  # the invitation messages read the visits from their own sessions
    invitations.announce(state.journey, change.invitations)
    out = meeting_out(db=db, meeting=change.meeting, now=utcnow())
    return MeetingCreatedOut(**out.model_dump(), pass_urls=change.pass_urls)


@router.get("/api/meetings", response_model=list[MeetingOut], tags=["meetings"])
def list_meetings(db: SessionDep, state: StateDep, user: InvitingUser,
                  day: Annotated[str | None, Query(json_schema_extra=DAY_RULE)] = None,
                  room: str | None = None) -> list[MeetingOut]:
    """Meetings of one day in the site's time zone (default today); hosts see their own."""
    _day, start, end = _local_day(db, state, day)
    room_row = service.get_room(db=db, name=room) if room else None
    rows = service.meetings_between(db=db, room=room_row, start=start, end=end,
                                    host=user if user.role == Role.HOST else None)
    now = utcnow()
    return [meeting_out(db=db, meeting=m, now=now) for m in rows]


def _local_day(db: Session, state: StateDep, day: str | None
               ) -> tuple[date, datetime, datetime]:
    """The calendar day ``day`` (default today) of the site, with its UTC bounds."""
    zone = sites.time_zone_of_code(db=db, code=state.settings.site)
    if not day:
        the_day = local_today(zone)
    else:
        try:
            the_day = datetime.strptime(day, "%Y-%m-%d").date()
        except ValueError:
            raise InvalidInput("bad_day", "day must be YYYY-MM-DD",
                               "日付は YYYY-MM-DD 形式にしてください") from None
    start, end = day_bounds(the_day, zone)
    return the_day, start, end


@router.get("/api/meetings/{meeting_id}", response_model=MeetingOut, tags=["meetings"])
def get_meeting(meeting_id: RowId, db: SessionDep, user: InvitingUser) -> MeetingOut:
    """One meeting with who entered and who is inside now."""
    meeting = _own(service.get_meeting(db=db, meeting_id=meeting_id), user)
    return meeting_out(db=db, meeting=meeting, now=utcnow())


@router.patch("/api/meetings/{meeting_id}", response_model=MeetingOut, tags=["meetings"])
def move_meeting(meeting_id: RowId, body: MeetingMoveIn, request: Request, db: SessionDep,
                 state: StateDep, user: InvitingUser) -> MeetingOut:
    """Move or extend a meeting; passes are re-issued and the doors told at once."""
    meeting = _own(service.get_meeting(db=db, meeting_id=meeting_id), user)
    before = _booking(meeting)
    change = service.move_meeting(db=db, ctx=pass_context(state), meeting=meeting,
                                  starts_at=body.starts_at, ends_at=body.ends_at)
    audit.record(db, who=audit.actor_of(request, user), action="meeting.move",
                 target=f"meeting:{meeting.id}", before=before, after=_booking(meeting))
    db.commit()  # the bridge reads the revocations from its own session
    if change.revocations_changed:
        publish_revocations(state)
    return meeting_out(db=db, meeting=meeting, now=utcnow())


@router.post("/api/meetings/{meeting_id}/cancel", response_model=MeetingOut, tags=["meetings"])
def cancel_meeting(meeting_id: RowId, request: Request, db: SessionDep, state: StateDep,
                   user: InvitingUser) -> MeetingOut:
    """Cancel a meeting: its passes are revoked and the doors told at once."""
    meeting = _own(service.get_meeting(db=db, meeting_id=meeting_id), user)
    before = _booking(meeting)
    change = service.cancel_meeting(db=db, meeting=meeting)
    audit.record(db, who=audit.actor_of(request, user), action="meeting.cancel",
                 target=f"meeting:{meeting.id}", before=before, after=_booking(meeting))
    db.commit()
    if change.revocations_changed:
        publish_revocations(state)
    return meeting_out(db=db, meeting=meeting, now=utcnow())


@router.get("/api/meetings/{meeting_id}/pass", response_model=EmployeePassOut,
            tags=["meetings"])
def my_pass(meeting_id: RowId, db: SessionDep, state: StateDep,
            user: InvitingUser) -> EmployeePassOut:
    """The signed-in employee's own pass for the meeting's room door."""
    meeting = service.get_meeting(db=db, meeting_id=meeting_id)
    attendee = next((a for a in service.attendees(db=db, meeting=meeting)
                     if a.user_id == user.id), None)
    if attendee is None or attendee.cose is None or attendee.pass_id is None:
        raise NotFound("no_pass", "you have no pass for this meeting",
                       "この会議のパスはありません")
    if attendee.revoked_at is not None or meeting.status != "scheduled":
        raise Gone("pass_revoked", "the meeting was cancelled or released",
                   "会議は取り消されました")
    return _employee_pass(db, state, attendee, meeting)


def _employee_pass(db: Session, state: StateDep, attendee: Attendee,
                   meeting: Meeting) -> EmployeePassOut:
    cose = attendee.cose or b""
    kid = decode_sign1(cose).kid or b""
    record = db.scalar(select(SigningKeyRecord).where(SigningKeyRecord.kid == kid.hex()))
    if record is None:
        raise Gone("key_retired", "the key of this pass is gone; ask for a new one",
                   "このパスの鍵は失効しました")
    key = keys.load_signing_key(keyring=state.settings.keyring, record=record)
    secret = pass_secret(key.code_key, bytes.fromhex(attendee.pass_id or ""))
    return EmployeePassOut(cose_b45=static_text(cose)[4:],
                           code_secret=base64.b64encode(secret).decode("ascii"),
                           code_period=10, valid_until=meeting.ends_at)


@router.post("/api/meetings/import", response_model=ImportOut, tags=["meetings"],
             openapi_extra={"requestBody": CALENDAR_BODY})
async def import_calendar(request: Request, db: SessionDep, state: StateDep,
                          user: InvitingUser, room: str | None = None) -> ImportOut:
    """Import an .ics file (multipart field ``file`` or a text/calendar body) in one go.

    Events in a LOCATION that names a room go there, others to ``room``. A malformed file
    gets 422 with the reason and imports nothing.
    """
    data = await read_upload(request, what=".ics file")
    if not data.strip():
        raise InvalidInput("empty_calendar", "the calendar file is empty",
                           "カレンダーファイルが空です")
    config = state.settings.meetings
    now = utcnow()
    zone = sites.time_zone_of_code(db=db, code=state.settings.site)
    try:  # in a child process, waited for on a worker thread: the event loop stays free
        parsed = await run_in_threadpool(
            parse_bounded, data, window_start=now - timedelta(days=1),
            window_end=now + timedelta(days=config.import_days),
            default_tz=localtime.zone(zone), budget=ParseBudget.of(config))
    except (ical.InvalidCalendar, CalendarRefused) as exc:
        raise _refusal(exc) from None

    def apply() -> ImportOut:  # thousands of meetings take a while: not on the event loop
        default_room = service.get_room(db=db, name=room) if room else None
        result = apply_calendar(db=db, ctx=pass_context(state), parsed=parsed, importer=user,
                                default_room=default_room)
        audit.record(db, who=audit.actor_of(request, user), action="meeting.import",
                     target=f"room:{room}" if room else "", after=_import_counts(result))
        db.commit()
        return _applied(request, state, result)

    return await run_in_threadpool(apply)


def _refusal(exc: ical.InvalidCalendar | CalendarRefused) -> InvalidInput:
    """The 422 for a calendar that cannot be used: its stable code and the reason."""
    return InvalidInput(exc.code, f"not a usable iCalendar file: {exc}",
                        f"iCalendar ファイルを読めません: {exc}")


def _applied(request: Request, state: StateDep, result: ImportResult) -> ImportOut:
    """After the commit: tell the doors and the hosts, and say what the import did."""
    if result.revocations_changed:
        publish_revocations(state)
    if state.runtime is not None:
        state.runtime.send_host_notices(result.host_notices)
    invitations.announce(state.journey, result.invitations)
    return ImportOut(created=result.created, updated=result.updated,
                     cancelled=result.cancelled, unchanged=result.unchanged,
                     stale=result.stale, skipped_all_day=result.skipped_all_day,
                     attendees_added=result.attendees_added,
                     attendees_removed=result.attendees_removed,
                     meeting_ids=result.meeting_ids, pass_urls=result.pass_urls)


def _feed_out(db: Session, feed: feeds.CalendarFeed) -> FeedOut:
    room = db.get(Room, feed.room_id)
    return FeedOut(id=feed.id, url=feed.url, room=room.name if room else "",
                   last_read_at=feed.last_read_at, last_error=feed.last_error)


@router.post("/api/calendar-feeds", response_model=FeedOut, status_code=201, tags=["meetings"])
def add_feed(body: FeedIn, request: Request, db: SessionDep, state: StateDep,
             user: StaffUser) -> FeedOut:
    """Subscribe a room to a calendar URL (staff); it is read now and then periodically."""
    room = service.get_room(db=db, name=body.room)
    feed = feeds.add_feed(db=db, url=body.url, room=room, host=user,
                          outbound=state.settings.outbound_policy)
    # A feed's address often carries a secret token: the log keeps only its host.
    audit.record(db, who=audit.actor_of(request, user), action="calendar_feed.add",
                 target=f"feed:{feed.id}",
                 after={"room": room.name, "host": urlsplit(feed.url).hostname or ""})
    return _feed_out(db, feed)


@router.put("/api/calendar-feeds/{feed_id}", response_model=FeedOut, tags=["meetings"])
def edit_feed(feed_id: RowId, body: FeedEditIn, request: Request, db: SessionDep,
              state: StateDep, user: StaffUser) -> FeedOut:
    """Point a calendar feed at another URL or room (staff); it is read afresh."""
    feed = feeds.get_feed(db=db, feed_id=feed_id)
    old_room = db.get(Room, feed.room_id)
    room = service.get_room(db=db, name=body.room)
    feeds.update_feed(db=db, feed=feed, url=body.url or feed.url, room=room,
                      outbound=state.settings.outbound_policy)
    audit.record(db, who=audit.actor_of(request, user), action="calendar_feed.edit",
                 target=f"feed:{feed.id}", before={"room": old_room.name if old_room else None},
                 after={"room": room.name, "host": urlsplit(feed.url).hostname or ""})
    return _feed_out(db, feed)


@router.delete("/api/calendar-feeds/{feed_id}", status_code=204, tags=["meetings"])
def remove_feed(feed_id: RowId, request: Request, db: SessionDep, user: StaffUser) -> Response:
    """Stop reading a calendar feed (staff); the meetings it brought in stay."""
    feed = feeds.get_feed(db=db, feed_id=feed_id)
    feeds.remove_feed(db=db, feed=feed)
    audit.record(db, who=audit.actor_of(request, user), action="calendar_feed.remove",
                 target=f"feed:{feed_id}")
    return Response(status_code=204)


@router.post("/api/calendar-feeds/{feed_id}/refresh", response_model=ImportOut,
             tags=["meetings"])
def refresh_feed(feed_id: RowId, request: Request, db: SessionDep, state: StateDep,
                 user: StaffUser) -> ImportOut:
    """Read a subscribed calendar now; 422 with the reason when it cannot be used."""
    feed = feeds.get_feed(db=db, feed_id=feed_id)
    try:
        result = feeds.refresh(db=db, ctx=pass_context(state), feed=feed,
                               import_days=state.settings.meetings.import_days,
                               outbound=state.settings.outbound_policy,
                               budget=ParseBudget.of(state.settings.meetings))
    except CalendarRefused as exc:  # well-formed but too costly: its own code
        raise _refusal(exc) from None
    except ValueError as exc:
        raise InvalidInput("feed_unusable", str(exc)[:300],
                           f"カレンダーを読めません: {str(exc)[:300]}") from None
    audit.record(db, who=audit.actor_of(request, user), action="calendar_feed.refresh",
                 target=f"feed:{feed.id}", after=_import_counts(result))
    db.commit()
    return _applied(request, state, result)


@router.get("/meetings", response_class=HTMLResponse, include_in_schema=False)
def meetings_page(request: Request, db: SessionDep, state: StateDep, user: StaffPageUser,
                  day: str | None = None) -> Response:
    """The host's meetings of a day, with a booking form and an .ics upload."""
    the_day, start, end = _local_day(db, state, day)
    rows = service.meetings_between(db=db, room=None, start=start, end=end,
                                    host=user if user.role == Role.HOST else None)
    now = utcnow()
    return state.templates.TemplateResponse(request, "meetings_list.html", page_context(
        request, user, day=the_day, rooms=service.list_rooms(db=db),
        meetings=[meeting_out(db=db, meeting=m, now=now) for m in rows]))
