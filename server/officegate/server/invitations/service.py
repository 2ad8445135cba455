"""One invitation path: every way a visitor is added (the API, the invite page and its CSV,
a meeting booking, an ``.ics`` upload, a calendar-feed refresh) calls :func:`invite`.

What every invitation gets, in one place:

- **check-in gating**: the site's check-in zones (the security area behind the lobby gate)
  are never signed into a pass at invitation; the lobby check-in adds them
  (checkin.service). The signed pass that leaves the server has none of them.
- **screening**: the deny list and watchlist are matched at invitation; a match holds the
  visit (no pass link is handed out or sent) until the person who may decide approves, and
  check-in screens again.
- **the invitation message** with the pass link on the visitor's channel (e-mail by
  default, through the server's SMTP settings): the ``invited`` journey event that
  :func:`announce` publishes after the commit carries the link to the messaging domain.

Callers commit, then call :func:`announce` with what :func:`invite` returned.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.arrival import service as arrival
from officegate.server.auth.models import User
from officegate.server.checkin import service as checkin
from officegate.server.checkin.models import CheckIn
from officegate.server.db import utcnow
from officegate.server.journey import JourneyBus, JourneyEvent, Kind
from officegate.server.keys.vault import Keyring
from officegate.server.settings import Settings
from officegate.server.sites import service as sites
from officegate.server.visits import service as visits
from officegate.server.visits.models import Visit, Visitor, VisitorPass

SOURCES = ("api", "invite", "csv", "meeting", "ics", "feed")


@dataclass(frozen=True, slots=True)
class IssueContext:
    """What issuing a pass needs from the server's settings."""

    site: str
    keyring: Keyring
    base_url: str
    key_alg: str = "EdDSA"
    lead: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Guest:
    """Who is invited: a name, and optionally how to reach them and their language."""

    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Invitation:
    """One invited visitor: the visit, its pass, and the link (None while held)."""

    visit: Visit
    pass_id: str
    pass_url: str | None
    held_list: str | None = None  # "deny" / "watch" when screening held the visit
    events: tuple[JourneyEvent, ...] = field(default=())

    @property
    def held(self) -> bool:
        """True when the visit waits for approval and no link went out."""
        return self.held_list is not None


def invite(*, db: Session, ctx: IssueContext, host: User, guest: Guest, starts_at: datetime,
           ends_at: datetime, zones: list[str], doors: list[str], source: str,
           room: str | None = None, directions: str | None = None,
           note: str | None = None) -> Invitation:
    """Create the visit and its gated pass, screen the visitor; commit, then :func:`announce`.

    Raises what visits.service.create_visit raises (unknown places, a bad window).
    """
    site_row = sites.get_site(db=db, code=ctx.site)
    config = arrival.site_config(db=db, site_id=site_row.id)
    gated = set(config.checkin_zones) if config is not None else set()
    visits.check_places(db=db, site=site_row, zones=zones, doors=doors)
    issued = visits.create_visit(
        db=db, site=ctx.site, host=host, visitor_name=guest.name, visitor_email=guest.email,
        starts_at=starts_at, ends_at=ends_at, zones=[z for z in zones if z not in gated],
        doors=doors, keyring=ctx.keyring, base_url=ctx.base_url, key_alg=ctx.key_alg,
        lead=ctx.lead, room=room, directions=directions)
    visit = issued.visit
    visitor = db.get(Visitor, visit.visitor_id)
    assert visitor is not None
    visitor.phone, visitor.company, visitor.lang = guest.phone, guest.company, guest.lang
    visit.note, visit.source = note, source if source in SOURCES else "api"
    entry = checkin.match_watchlist(db=db, site_id=site_row.id, visitor=visitor)
    now = utcnow()
    if entry is not None:
        db.add(CheckIn(visit_id=visit.id, status="held", held_stage="invitation", held_at=now,
                       held_reason=entry.reason, held_list=entry.list))
        db.flush()
        return Invitation(visit=visit, pass_id=issued.visitor_pass.pass_id, pass_url=None,
                          held_list=entry.list,
                          events=(held_event(visit=visit, site=ctx.site, at=now,
                                             reason=entry.reason, list_name=entry.list),))
    db.flush()
    return Invitation(visit=visit, pass_id=issued.visitor_pass.pass_id,
                      pass_url=issued.pass_url,
                      events=(invited_event(db=db, visit=visit, site=ctx.site, host=host,
                                            pass_url=issued.pass_url),))


def invited_event(*, db: Session, visit: Visit, site: str, host: User, pass_url: str,
                  key: str | None = None) -> JourneyEvent:
    """The ``invited`` journey event: the messaging domain sends the link on it."""
    visitor = db.get(Visitor, visit.visitor_id)
    return JourneyEvent(
        kind=Kind.INVITED, key=key or f"invited:{visit.id}", at=utcnow(), visit_id=visit.id,
        site=site,
        data={"visitor_name": visitor.name if visitor else "",
              "visitor_email": visitor.email if visitor else None,
              "host_email": host.email, "pass_url": pass_url, "source": visit.source,
              "starts_at": visit.starts_at.isoformat(), "ends_at": visit.ends_at.isoformat(),
              "room": visit.room})


def held_event(*, visit: Visit, site: str, at: datetime, reason: str,
               list_name: str) -> JourneyEvent:
    """The ``held_for_approval`` event of a hold at invitation (the decider is notified)."""
    return JourneyEvent(
        kind=Kind.HELD_FOR_APPROVAL, key=f"held_for_approval:{visit.id}:invitation", at=at,
        visit_id=visit.id, site=site,
        data={"reason": reason, "list": list_name, "host_id": visit.host_id,
              "stage": "invitation"})


def new_link(*, db: Session, visit: Visit, base_url: str) -> str:
    """A fresh pass link for the visit's live pass (the old link stops working); used when
    a hold is cleared and for re-sending. The phone binding stays: the same phone reopens."""
    row = db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit.id,
                                              VisitorPass.revoked_at.is_(None))
                    .order_by(VisitorPass.id.desc()).limit(1))
    if row is None:
        from officegate.server.errors import Gone

        raise Gone("pass_not_usable", "the visit has no live pass", "有効なパスがありません")
    token = secrets.token_urlsafe(visits.TOKEN_CHARS * 3 // 4)
    row.link_hash = visits.link_hash(token)
    db.flush()
    return visits.pass_url(base_url=base_url, token=token)


def announce(journey: JourneyBus, invitations: list[Invitation]) -> None:
    """After the commit: publish each invitation's journey events."""
    for invitation in invitations:
        for event in invitation.events:
            journey.publish(event)


def context(settings: Settings, *, site: str | None = None) -> IssueContext:
    """Issuing settings from the server's settings (``site`` defaults to the server's)."""
    return IssueContext(site=site or settings.site, keyring=settings.keyring,
                        base_url=settings.base_url, key_alg=settings.key_alg,
                        lead=timedelta(minutes=settings.pass_lead_minutes))


def cleared_event(*, db: Session, visit: Visit, settings: Settings) -> JourneyEvent:
    """A hold at invitation was approved: a fresh link, and the ``invited`` event that sends
    it (publish after the commit)."""
    from officegate.server.sites.models import Site

    host = db.get(User, visit.host_id)
    site = db.get(Site, visit.site_id)
    assert host is not None and site is not None
    url = new_link(db=db, visit=visit, base_url=settings.base_url)
    return invited_event(db=db, visit=visit, site=site.code, host=host, pass_url=url,
                         key=f"invited:{visit.id}:cleared")
