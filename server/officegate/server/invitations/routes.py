"""The invite page's API: one or many visitors (a CSV for a group), optionally with a room.

Both go through invitations.service.invite (directly, or via a meeting booking), so the
page gets the same gating, screening and invitation message as every other path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from officegate.server.deps import InvitingUser, SessionDep, StateDep
from officegate.server.errors import InvalidInput
from officegate.server.invitations import csv_guests
from officegate.server.invitations import service as invitations
from officegate.server.invitations.schemas import (
    CsvOut,
    InvitationsIn,
    InvitationsOut,
    InvitedOut,
)
from officegate.server.meetings import service as meetings
from officegate.server.sites import service as sites
from officegate.server.uploads import read_upload
from officegate.server.visits import scope
from officegate.server.visits import service as visits

router = APIRouter(tags=["invitations"])
MAX_CSV_BYTES = 256 * 1024


@router.post("/api/invitations", response_model=InvitationsOut, status_code=201)
def invite(body: InvitationsIn, db: SessionDep, state: StateDep,
           user: InvitingUser) -> InvitationsOut:
    """Invite one or many visitors; with ``room`` the room is booked for them (its door on
    their passes). A held visitor (deny/watch list) gets no link until approved."""
    settings = state.settings
    ctx = invitations.context(settings)
    guests = [invitations.Guest(name=g.name, email=g.email, phone=g.phone, company=g.company,
                                lang=g.lang) for g in body.visitors]
    meeting_id = None
    if body.room:
        room = meetings.get_room(db=db, name=body.room)
        change = meetings.create_meeting(
            db=db, ctx=ctx, room=room, host=user, title=body.title or room.label,
            starts_at=body.starts_at, ends_at=body.ends_at, visitors=guests, source="invite",
            note=body.note)
        done, meeting_id = change.invitations, change.meeting.id
    else:
        site = sites.get_site(db=db, code=settings.site)
        visits.check_places(db=db, site=site, zones=body.zones, doors=[])
        scope.check_scope(db=db, site=site, user=user, zones=body.zones, doors=[])
        done = [invitations.invite(db=db, ctx=ctx, host=user, guest=guest,
                                   starts_at=body.starts_at, ends_at=body.ends_at,
                                   zones=body.zones, doors=[], note=body.note,
                                   source="csv" if len(guests) > 1 else "invite")
                for guest in guests]
    db.commit()  # the invitation messages read the visits from their own sessions
    invitations.announce(state.journey, done)
    return InvitationsOut(meeting_id=meeting_id, invited=[
        InvitedOut(visit_id=i.visit.id, name=g.name, status="held" if i.held else "invited",
                   pass_url=i.pass_url) for i, g in zip(done, guests, strict=True)])


@router.post("/api/invitations/csv", response_model=CsvOut)
async def read_csv(request: Request, _user: InvitingUser) -> CsvOut:
    """Read a group's CSV (the body, or the multipart field ``file``) into visitors and
    per-line errors; nothing is invited yet (the page shows them first)."""
    data = await read_upload(request, what="CSV", max_bytes=MAX_CSV_BYTES)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput("csv_too_large", "the CSV is larger than 256 KB",
                           "CSV が 256 KB を超えています")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")  # Excel on a Japanese PC saves Shift_JIS
        except UnicodeDecodeError:
            raise InvalidInput("csv_encoding", "save the CSV as UTF-8",
                               "CSV は UTF-8 で保存してください") from None
    return csv_guests.parse_guests(text)
