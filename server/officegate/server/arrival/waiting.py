"""A visitor waiting in the lobby: the host is told after the site's wait, then reminded
every ``lobby_remind_minutes``, at most ``lobby_reminders`` times, until someone meets the
visitor: the host acknowledges the check-in (or a waiting notice), marks them met, or the
visitor goes through the gate.

The n-th notice of a visit has a fixed key (``waiting:{visit}``, then ``waiting:{visit}:2``,
...), so two sweeps at once, or two servers, still tell the host once per step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officegate.server.arrival import service as arrival
from officegate.server.arrival.models import ArrivalSite, ArrivalTrack
from officegate.server.auth.models import Role, User
from officegate.server.checkin.models import CheckIn
from officegate.server.errors import Conflict, Forbidden, NotFound
from officegate.server.notify import service as notify
from officegate.server.notify.models import Notice
from officegate.server.notify.sender import Outgoing
from officegate.server.visits.models import Visit

# Acknowledging one of these means the host knows the visitor is here and is on the way.
MET_BY_ACK = ("checked_in", "waiting")


def waiting_since(*, track: ArrivalTrack | None, record: CheckIn | None) -> datetime | None:
    """Since when the visitor waits unmet (check-in, else arrival); None when nobody waits:
    not here yet, held or refused, through the gate, checked out, or met."""
    if track is not None and track.met_at is not None:
        return None
    if record is None:
        return track.arrived_at if track is not None else None
    if record.status != "checked_in" or record.gate_passed_at is not None:
        return None
    return record.checked_in_at


def _acknowledged(db: Session, visit_id: int) -> bool:
    return db.scalar(select(Notice.id).where(
        Notice.visit_id == visit_id, Notice.kind.in_(MET_BY_ACK),
        Notice.acknowledged_at.is_not(None)).limit(1)) is not None


def _sent(db: Session, visit_id: int) -> tuple[int, datetime | None]:
    """How many waiting notices the visit's host got, and when the last one was made."""
    mine = (Notice.visit_id == visit_id, Notice.kind == "waiting")
    count = db.scalar(select(func.count(Notice.id)).where(*mine)) or 0
    last = db.scalar(select(Notice.created_at).where(*mine).order_by(Notice.id.desc()).limit(1))
    return int(count), last


def due(*, config: ArrivalSite | None, since: datetime, sent: int, last: datetime | None,
        now: datetime) -> bool:
    """Whether the next waiting notice is due: the first after the site's wait, then one
    every ``lobby_remind_minutes`` while fewer than ``1 + lobby_reminders`` went out."""
    wait = timedelta(minutes=config.lobby_wait_minutes if config else 10)
    every = timedelta(minutes=config.lobby_remind_minutes if config else 10)
    most = 1 + (config.lobby_reminders if config else 3)
    if sent >= most or now - since < wait + every * sent:
        return False
    # After a pause (server down), one notice now rather than a burst of overdue ones.
    return last is None or now - last >= every


def due_notices(*, db: Session, now: datetime) -> list[Outgoing]:
    """The waiting notices due now, stored (commit, then send)."""
    arrived = select(Visit.id).join(ArrivalTrack, ArrivalTrack.visit_id == Visit.id).where(
        ArrivalTrack.arrived_at.is_not(None), ArrivalTrack.met_at.is_(None))
    checked_in = select(Visit.id).join(CheckIn, CheckIn.visit_id == Visit.id).where(
        CheckIn.status == "checked_in", CheckIn.gate_passed_at.is_(None))
    ids = set(db.scalars(arrived.where(Visit.ends_at > now)))
    ids |= set(db.scalars(checked_in.where(Visit.ends_at > now)))
    out: list[Outgoing] = []
    for visit_id in sorted(ids):
        visit = db.get(Visit, visit_id)
        assert visit is not None
        track = db.scalar(select(ArrivalTrack).where(ArrivalTrack.visit_id == visit_id))
        record = db.scalar(select(CheckIn).where(CheckIn.visit_id == visit_id))
        since = waiting_since(track=track, record=record)
        if since is None or _acknowledged(db, visit_id):
            continue
        config = arrival.site_config(db=db, site_id=visit.site_id)
        sent, last = _sent(db, visit_id)
        if not due(config=config, since=since, sent=sent, last=last, now=now):
            continue
        key = f"waiting:{visit_id}" if sent == 0 else f"waiting:{visit_id}:{sent + 1}"
        minutes = int((now - since).total_seconds() // 60)
        item = notify.notice_for_visit(db=db, key=key, kind="waiting", visit_id=visit_id,
                                       data={"minutes": minutes, "reminder": sent}, at=now)
        if item is None:
            continue
        if record is not None and record.status == "checked_in":
            record.waiting_notified_at = now
        out.append(item)
    return out


def mark_met(*, db: Session, visit_id: int, user: User, now: datetime) -> ArrivalTrack:
    """The host (or staff) met the visitor: no more waiting reminders. Meeting them twice
    keeps the first time."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("unknown_visit", "no such visit", "訪問が見つかりません")
    if visit.host_id != user.id and user.role not in (Role.ADMIN, Role.STAFF):
        raise Forbidden("not_your_visitor", "only the host or staff can mark a visitor met",
                        "担当ホストまたはスタッフのみ操作できます")
    if visit.ends_at <= now:
        raise Conflict("visit_over", "this visit is over", "この訪問は終了しています")
    track = arrival.track_of(db=db, visit=visit)
    if track.met_at is None:
        track.met_at, track.met_by = now, user.id
    db.flush()
    return track
