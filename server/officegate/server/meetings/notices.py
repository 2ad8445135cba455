"""What the host hears when the calendar takes someone off a meeting: a stored notice, sent
like every host notice (feed, Web Push, apprise) once the change is committed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.db import utcnow
from officegate.server.localtime import format_local
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.notify import service as notify
from officegate.server.notify.models import Notice
from officegate.server.notify.sender import Outgoing
from officegate.server.sites import service as sites


def attendee_removed(*, db: Session, meeting: Meeting, attendee: Attendee) -> Outgoing | None:
    """Store the notice "X was taken off <meeting>, their pass no longer opens the door" to
    the meeting's host; None when it was stored already. Send the result after the commit."""
    key = f"attendee_removed:{attendee.id}"
    if db.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return None
    room = db.get(Room, meeting.room_id)
    zone = sites.time_zone_of(db=db, site_id=room.site_id) if room else "UTC"
    when = format_local(meeting.starts_at, zone, "date" if meeting.all_day else "datetime")
    where = room.label if room else ""
    who = attendee.name
    notice = Notice(
        key=key, visit_id=attendee.visit_id, user_id=meeting.host_id, kind="attendee_removed",
        title_en=f"{who} was removed from {meeting.title}"[:200],
        title_ja=f"{who} 様が「{meeting.title}」から外れました"[:200],
        body_en=(f"The calendar no longer lists {who} for {meeting.title!r} ({when}, {where}). "
                 "Their pass for the room is revoked."),
        body_ja=(f"カレンダーの「{meeting.title}」({when}、{where})の参加者から {who} 様が"
                 "外れたため、会議室のパスを無効にしました。"),
        created_at=utcnow())
    db.add(notice)
    db.flush()
    targets = notify.list_targets(db=db, user_id=meeting.host_id)
    return Outgoing(
        notice_id=notice.id, user_id=notice.user_id, kind=notice.kind,
        title=f"{notice.title_ja} / {notice.title_en}",
        body=f"{notice.body_ja}\n{notice.body_en}", payload=notify.payload(notice),
        apprise_urls=tuple(t.address for t in targets if t.kind == "apprise"),
        push_subscriptions=tuple(t.address for t in targets if t.kind == "webpush"))
