"""Passes before and after check-in: the check-in zones are added only at check-in.

Before check-in a visitor's pass leaves out the site's check-in zones (the security area
behind the lobby gate). Checking in signs a new pass that includes them, moves the link to
it (the phone picks it up on its next open) and revokes the old pass; edges learn the
revocation over MQTT and keep deciding offline from what the pass itself says.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from officegate.protocol import PassClaims, PassKind, issue_pass
from officegate.server.db import utcnow
from officegate.server.keys import service as keys
from officegate.server.keys.vault import Keyring
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass
from officegate.server.visits.service import PASS_ID_BYTES


def _claims(*, row: VisitorPass, visit: Visit, visitor: Visitor, site: Site, pass_id: bytes,
            zones: list[str]) -> PassClaims:
    return PassClaims(
        issuer=site.code, subject=visitor.subject, pass_id=pass_id,
        issued_at=int(utcnow().timestamp()), not_before=int(row.valid_from.timestamp()),
        expires=int(row.valid_until.timestamp()), kind=PassKind.VISITOR, visit_id=visit.id,
        zones=tuple(zones), doors=tuple(row.doors))


def _context(db: Session, row: VisitorPass) -> tuple[Visit, Visitor, Site]:
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    visitor = db.get(Visitor, visit.visitor_id)
    site = db.get(Site, visit.site_id)
    assert visitor is not None and site is not None
    return visit, visitor, site


def replace_pass(*, db: Session, row: VisitorPass, zones: list[str], keyring: Keyring,
                 key_alg: str) -> VisitorPass:
    """A new pass for the same link, phone and window with ``zones``; the old one revoked.

    The caller publishes the site's revocations after the commit.
    """
    visit, visitor, site = _context(db, row)
    record = keys.ensure_signing_key(db=db, site=site, keyring=keyring, alg=key_alg)
    claims = _claims(row=row, visit=visit, visitor=visitor, site=site,
                     pass_id=secrets.token_bytes(PASS_ID_BYTES), zones=sorted(set(zones)))
    link_hash, bound, bound_at = row.link_hash, row.bound_device_hash, row.bound_at
    # The old row keeps a unique, unguessable stand-in so the link now finds the new pass.
    row.link_hash = hashlib.sha256(f"replaced:{row.pass_id}:{link_hash}".encode()).hexdigest()
    row.revoked_at = utcnow()
    site.revocations_version += 1
    db.flush()
    new = VisitorPass(
        pass_id=claims.pass_id_hex, visit_id=visit.id, kid=record.kid,
        cose=issue_pass(claims, keys.load_signing_key(keyring=keyring, record=record)),
        link_hash=link_hash, zones=list(claims.zones), doors=list(row.doors),
        valid_from=row.valid_from, valid_until=row.valid_until, bound_device_hash=bound,
        bound_at=bound_at)
    db.add(new)
    db.flush()
    return new


__all__ = ["replace_pass"]
