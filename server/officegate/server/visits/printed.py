"""Printed (static) passes: for a visitor without a phone, explicitly asked for by staff.

A printed pass carries the claim ``"s": true`` and no rotating code, so a photo of it works
as well as the paper: doors refuse it unless their config says ``allow_static``. It is a
second pass of the same visit, with its own pass id, so it can be revoked on its own.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import PassClaims, PassKind, issue_pass, static_text
from officegate.protocol.cose import decode_sign1, loads_exact
from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput, NotFound
from officegate.server.keys import service as keys
from officegate.server.keys.vault import Keyring
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass
from officegate.server.visits.service import PASS_ID_BYTES, get_pass


def issue_printed_pass(*, db: Session, visit_id: int, keyring: Keyring,
                       key_alg: str = "EdDSA") -> VisitorPass:
    """Issue a static pass for ``visit_id`` with the same places and window as its phone pass."""
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise NotFound("unknown_visit", f"no visit {visit_id}", f"訪問 {visit_id} はありません")
    phone_pass = db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit_id)
                           .order_by(VisitorPass.id).limit(1))
    if phone_pass is None or phone_pass.valid_until <= utcnow():
        raise InvalidInput("visit_over", "the visit has no valid pass to print",
                           "印刷できる有効なパスがありません")
    site = db.get(Site, visit.site_id)
    visitor = db.get(Visitor, visit.visitor_id)
    if site is None or visitor is None:
        raise NotFound("unknown_visit", f"visit {visit_id} is incomplete",
                       f"訪問 {visit_id} のデータが不完全です")
    record = keys.ensure_signing_key(db=db, site=site, keyring=keyring, alg=key_alg)
    key = keys.load_signing_key(keyring=keyring, record=record)
    claims = PassClaims(
        issuer=site.code, subject=visitor.subject,
        pass_id=secrets.token_bytes(PASS_ID_BYTES), issued_at=int(utcnow().timestamp()),
        not_before=int(phone_pass.valid_from.timestamp()),
        expires=int(phone_pass.valid_until.timestamp()), kind=PassKind.VISITOR,
        visit_id=visit_id, zones=tuple(phone_pass.zones), doors=tuple(phone_pass.doors),
        static=True,
    )
    row = VisitorPass(
        pass_id=claims.pass_id_hex, visit_id=visit_id, kid=record.kid,
        cose=issue_pass(claims, key),
        # No link opens a printed pass: the hash of a token nobody ever sees.
        link_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        zones=list(phone_pass.zones), doors=list(phone_pass.doors),
        valid_from=datetime.fromtimestamp(claims.not_before, phone_pass.valid_from.tzinfo),
        valid_until=datetime.fromtimestamp(claims.expires, phone_pass.valid_until.tzinfo),
    )
    db.add(row)
    db.flush()
    return row


def printed_pass_png(*, db: Session, pass_id: str) -> bytes:
    """The printable QR (PNG, error correction M, alphanumeric) of a printed pass."""
    row = get_pass(db=db, pass_id=pass_id)
    text = static_text(row.cose)
    out = io.BytesIO()
    segno.make(text, error="m", mode="alphanumeric").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def is_printed(row: VisitorPass) -> bool:
    """True when ``row`` is a printed (static) pass, not a phone's rotating one."""
    claims = PassClaims.from_cbor_map(loads_exact(decode_sign1(row.cose).payload))
    return claims.static


def printed_pass_svg(row: VisitorPass) -> str:
    """The printed pass's QR as inline SVG (sharp at any print size; same code as the PNG)."""
    qr = segno.make(static_text(row.cose), error="m", mode="alphanumeric")
    return str(qr.svg_inline(scale=4, border=4, omitsize=True))
