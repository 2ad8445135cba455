"""Passes for a meeting's people: scoped to the room's door, valid lead-before-start to end.

Visitors are invited through the one invitation path (invitations.service); when the meeting
moves, its pass is re-issued under the same link (the old pass id is revoked, so doors that
cached it refuse it once the revocation list arrives). Employees get a pass of kind "e" kept
on their attendee row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import PassClaims, PassKind, issue_pass
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.invitations import service as invitations
from officegate.server.invitations.service import Guest, Invitation
from officegate.server.invitations.service import IssueContext as PassContext
from officegate.server.keys import service as keys
from officegate.server.meetings.models import Attendee, Meeting, Room
from officegate.server.sites.models import Site
from officegate.server.visits import service as visits
from officegate.server.visits.models import Visit, Visitor, VisitorPass


def employee_subject(*, site: str, user_id: int) -> str:
    """A stable pseudonymous subject for an employee's passes."""
    return hashlib.sha256(f"employee:{site}:{user_id}".encode()).hexdigest()[:16]


def invite_visitor(*, db: Session, ctx: PassContext, meeting: Meeting, room: Room, host: User,
                   guest: Guest, source: str = "meeting", note: str | None = None
                   ) -> tuple[Attendee, Invitation | None]:
    """Add a visitor to ``meeting`` through the one invitation path (check-in gating,
    screening, the invitation message once the caller announces it); the pass opens the
    room door. A meeting already over gets the attendee but no visit (invitation None).
    """
    name, email = guest.name, guest.email
    if meeting.ends_at <= utcnow():
        attendee = Attendee(meeting_id=meeting.id, kind="visitor", name=name, email=email,
                            subject=secrets.token_hex(8))
        db.add(attendee)
        return attendee, None
    invited = invitations.invite(
        db=db, ctx=ctx, host=host, guest=guest, starts_at=meeting.starts_at,
        ends_at=meeting.ends_at, zones=list(room.via_zones), doors=[room.door], room=room.label,
        source=source, note=note)
    attendee = Attendee(meeting_id=meeting.id, kind="visitor", name=name, email=email,
                        visit_id=invited.visit.id, pass_id=invited.pass_id,
                        subject=_visitor_subject(db, invited.visit))
    db.add(attendee)
    return attendee, invited


def _visitor_subject(db: Session, visit: Visit) -> str:
    visitor = db.get(Visitor, visit.visitor_id)
    assert visitor is not None
    return visitor.subject


def add_employee(*, db: Session, ctx: PassContext, meeting: Meeting, room: Room,
                 user: User) -> Attendee:
    """Add an employee with a pass of kind "e" for the room door during the meeting."""
    attendee = Attendee(meeting_id=meeting.id, kind="employee", name=user.name, email=user.email,
                        user_id=user.id, subject=employee_subject(site=ctx.site, user_id=user.id))
    db.add(attendee)
    _sign_employee(db=db, ctx=ctx, meeting=meeting, room=room, attendee=attendee)
    return attendee


def _sign_employee(*, db: Session, ctx: PassContext, meeting: Meeting, room: Room,
                   attendee: Attendee) -> None:
    if meeting.ends_at <= utcnow():
        return
    site = db.scalar(select(Site).where(Site.id == room.site_id))
    assert site is not None
    record = keys.ensure_signing_key(db=db, site=site, keyring=ctx.keyring, alg=ctx.key_alg)
    claims = PassClaims(
        issuer=site.code, subject=attendee.subject, pass_id=secrets.token_bytes(8),
        issued_at=int(utcnow().timestamp()),
        not_before=int((meeting.starts_at - ctx.lead).timestamp()),
        expires=int(meeting.ends_at.timestamp()), kind=PassKind.EMPLOYEE, visit_id=None,
        zones=(), doors=(room.door,))
    attendee.cose = issue_pass(claims, keys.load_signing_key(keyring=ctx.keyring,
                                                             record=record))
    attendee.pass_id = claims.pass_id_hex
    attendee.revoked_at = None


def reissue(*, db: Session, ctx: PassContext, meeting: Meeting, room: Room) -> bool:
    """Give every attendee a pass for the meeting's new window; True when a pass was revoked.

    Visitors keep their link: a new VisitorPass row takes it over and the old pass id is
    revoked (and so published to the doors).
    """
    revoked = False
    for attendee in db.scalars(select(Attendee).where(Attendee.meeting_id == meeting.id,
                                                      Attendee.removed_at.is_(None))):
        if attendee.kind == "employee":
            _sign_employee(db=db, ctx=ctx, meeting=meeting, room=room, attendee=attendee)
            continue
        if attendee.visit_id is None or attendee.pass_id is None:
            continue
        visit = db.get(Visit, attendee.visit_id)
        old = db.scalar(select(VisitorPass).where(VisitorPass.pass_id == attendee.pass_id))
        if visit is None or old is None:
            continue
        visit.starts_at, visit.ends_at = meeting.starts_at, meeting.ends_at
        attendee.pass_id = _reissue_visitor_pass(db=db, ctx=ctx, visit=visit, old=old)
        revoked = True
    return revoked


def _reissue_visitor_pass(*, db: Session, ctx: PassContext, visit: Visit,
                          old: VisitorPass) -> str:
    site = db.get(Site, visit.site_id)
    assert site is not None
    record = keys.ensure_signing_key(db=db, site=site, keyring=ctx.keyring, alg=ctx.key_alg)
    subject = _visitor_subject(db, visit)
    claims = PassClaims(
        issuer=site.code, subject=subject, pass_id=secrets.token_bytes(8),
        issued_at=int(utcnow().timestamp()),
        not_before=int((visit.starts_at - ctx.lead).timestamp()),
        expires=int(visit.ends_at.timestamp()), kind=PassKind.VISITOR, visit_id=visit.id,
        zones=tuple(old.zones), doors=tuple(old.doors))
    link = old.link_hash
    # The old row keeps a hash nobody can present, so the link now finds the new pass.
    old.link_hash = hashlib.sha256(f"reissued:{old.pass_id}".encode()).hexdigest()
    if old.revoked_at is None:
        old.revoked_at = utcnow()
        site.revocations_version += 1
    db.flush()
    new = VisitorPass(
        pass_id=claims.pass_id_hex, visit_id=visit.id, kid=record.kid,
        cose=issue_pass(claims, keys.load_signing_key(keyring=ctx.keyring, record=record)),
        link_hash=link, zones=list(old.zones), doors=list(old.doors),
        valid_from=datetime.fromtimestamp(claims.not_before, UTC),
        valid_until=datetime.fromtimestamp(claims.expires, UTC),
        bound_device_hash=old.bound_device_hash, bound_at=old.bound_at)
    db.add(new)
    db.flush()
    return claims.pass_id_hex


def revoke_all(*, db: Session, meeting: Meeting) -> bool:
    """Revoke every pass of ``meeting`` (cancelled or released); True when any was revoked."""
    revoked = False
    for attendee in db.scalars(select(Attendee).where(Attendee.meeting_id == meeting.id)):
        revoked |= revoke_attendee(db=db, meeting=meeting, attendee=attendee)
    db.flush()
    return revoked


def revoke_attendee(*, db: Session, meeting: Meeting, attendee: Attendee) -> bool:
    """Revoke one attendee's pass for ``meeting``; True when the doors must be told."""
    if attendee.revoked_at is not None or attendee.pass_id is None:
        return False
    attendee.revoked_at = utcnow()
    if attendee.kind == "visitor":
        # Every live pass of the meeting's visit: check-in may have replaced the first one.
        live = select(VisitorPass).where(VisitorPass.revoked_at.is_(None)).where(
            VisitorPass.visit_id == attendee.visit_id if attendee.visit_id is not None
            else VisitorPass.pass_id == attendee.pass_id)
        rows = list(db.scalars(live))
        for row in rows:
            visits.revoke_pass(db=db, pass_id=row.pass_id)
        return bool(rows)
    # Employee passes are listed from the attendee row by build_revocations.
    room = db.get(Room, meeting.room_id)
    site = db.get(Site, room.site_id) if room is not None else None
    if site is None:
        return False
    site.revocations_version += 1
    return True
