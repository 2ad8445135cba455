"""Invitations: a visit, its visitor and the signed pass behind a secret link."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import PassClaims, PassKind, issue_pass
from officegate.protocol.messages import Revocations
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.devices.models import Device
from officegate.server.errors import Conflict, InvalidInput, NotFound
from officegate.server.keys import service as keys
from officegate.server.keys.vault import Keyring
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site, Zone
from officegate.server.visits.models import Visit, Visitor, VisitorPass

TOKEN_CHARS = 32
PASS_ID_BYTES = 8


@dataclass(frozen=True, slots=True)
class IssuedVisit:
    """A new visit with its pass; ``token`` is the only copy of the link secret."""

    visit: Visit
    visitor_pass: VisitorPass
    token: str
    pass_url: str


def link_hash(token: str) -> str:
    """SHA-256 hex of a pass link token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def pass_url(*, base_url: str, token: str) -> str:
    """The link the visitor receives."""
    return f"{base_url.rstrip('/')}/p/{token}"


def check_places(*, db: Session, site: Site, zones: list[str], doors: list[str]) -> None:
    """InvalidInput (422) naming the first zone or door ``site`` does not have."""
    known_zones = set(db.scalars(select(Zone.name).where(Zone.site_id == site.id)))
    known_doors = set(db.scalars(select(Device.name).where(Device.site_id == site.id)))
    unknown = [z for z in zones if z not in known_zones]
    if unknown:
        raise InvalidInput("unknown_zone", f"site {site.code} has no zone {unknown[0][:64]!r}",
                           f"サイト {site.code} にゾーン {unknown[0][:64]!r} はありません")
    unknown = [d for d in doors if d not in known_doors]
    if unknown:
        raise InvalidInput("unknown_door", f"site {site.code} has no door {unknown[0][:64]!r}",
                           f"サイト {site.code} にドア {unknown[0][:64]!r} はありません")


def create_visit(
    *, db: Session, site: str, host: User, visitor_name: str, starts_at: datetime,
    ends_at: datetime, zones: list[str], doors: list[str], keyring: Keyring, base_url: str,
    key_alg: str = "EdDSA", lead: timedelta = timedelta(hours=1),
    visitor_email: str | None = None, room: str | None = None, directions: str | None = None,
) -> IssuedVisit:
    """Create visitor, visit and a pass signed with the site's current key.

    The pass is valid from ``lead`` before ``starts_at`` until ``ends_at``.
    Raises InvalidInput for unknown zones/doors or a window that has already ended.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("naive_time", "times need a time zone", "時刻にはタイムゾーンが必要です")
    if ends_at <= starts_at:
        raise InvalidInput("bad_window", "ends_at must be after starts_at",
                           "終了時刻は開始時刻より後にしてください")
    if ends_at <= utcnow():
        raise InvalidInput("visit_over", "the visit would already be over",
                           "訪問の終了時刻が過ぎています")
    site_row = sites.get_site(db=db, code=site)
    zones, doors = sorted(set(zones)), sorted(set(doors))
    check_places(db=db, site=site_row, zones=zones, doors=doors)

    visitor = Visitor(subject=secrets.token_hex(8), name=visitor_name.strip(),
                      email=visitor_email)
    db.add(visitor)
    db.flush()
    visit = Visit(site_id=site_row.id, visitor_id=visitor.id, host_id=host.id,
                  starts_at=starts_at, ends_at=ends_at, room=room, directions=directions)
    db.add(visit)
    db.flush()

    record = keys.ensure_signing_key(db=db, site=site_row, keyring=keyring, alg=key_alg)
    key = keys.load_signing_key(keyring=keyring, record=record)
    now = int(utcnow().timestamp())
    claims = PassClaims(
        issuer=site_row.code, subject=visitor.subject, pass_id=secrets.token_bytes(PASS_ID_BYTES),
        issued_at=now, not_before=int((starts_at - lead).timestamp()),
        expires=int(ends_at.timestamp()), kind=PassKind.VISITOR, visit_id=visit.id,
        zones=tuple(zones), doors=tuple(doors),
    )
    token = secrets.token_urlsafe(TOKEN_CHARS * 3 // 4)  # 24 random bytes -> 32 characters
    visitor_pass = VisitorPass(
        pass_id=claims.pass_id_hex, visit_id=visit.id, kid=record.kid,
        cose=issue_pass(claims, key), link_hash=link_hash(token), zones=zones, doors=doors,
        valid_from=datetime.fromtimestamp(claims.not_before, UTC),
        valid_until=datetime.fromtimestamp(claims.expires, UTC),
    )
    db.add(visitor_pass)
    db.flush()
    return IssuedVisit(visit=visit, visitor_pass=visitor_pass, token=token,
                       pass_url=pass_url(base_url=base_url, token=token))


def get_pass(*, db: Session, pass_id: str) -> VisitorPass:
    """The pass with this hex id; NotFound otherwise."""
    row = db.scalar(select(VisitorPass).where(VisitorPass.pass_id == pass_id.lower()))
    if row is None:
        raise NotFound("unknown_pass", f"no pass {pass_id[:32]!r}",
                       f"パス {pass_id[:32]!r} はありません")
    return row


def revoke_pass(*, db: Session, pass_id: str) -> tuple[VisitorPass, Site]:
    """Revoke a pass and bump its site's revocation version; Conflict if already revoked."""
    row = get_pass(db=db, pass_id=pass_id)
    if row.revoked_at is not None:
        raise Conflict("already_revoked", "this pass is already revoked",
                       "このパスは既に無効化されています")
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    site = db.get(Site, visit.site_id)
    assert site is not None
    row.revoked_at = utcnow()
    site.revocations_version += 1
    db.flush()
    return row, site


def build_revocations(*, db: Session, site: Site) -> Revocations:
    """The retained revocation list: revoked passes of ``site`` that have not expired yet."""
    rows = db.scalars(
        select(VisitorPass.pass_id)
        .join(Visit, Visit.id == VisitorPass.visit_id)
        .where(Visit.site_id == site.id, VisitorPass.revoked_at.is_not(None),
               VisitorPass.valid_until >= utcnow())
        .order_by(VisitorPass.pass_id)
    )
    return Revocations(site=site.code, version=site.revocations_version,
                       pass_ids=tuple(sorted({*rows, *_revoked_employee_passes(db=db, site=site)})))


def _revoked_employee_passes(*, db: Session, site: Site) -> list[str]:
    """Revoked employee passes of meetings that have not ended (they live with the meeting)."""
    from officegate.server.meetings.models import Attendee, Meeting, Room

    return list(db.scalars(
        select(Attendee.pass_id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Room, Room.id == Meeting.room_id)
        .where(Room.site_id == site.id, Attendee.kind == "employee",
               Attendee.pass_id.is_not(None), Attendee.revoked_at.is_not(None),
               Meeting.ends_at >= utcnow())))
