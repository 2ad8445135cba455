"""What the visitor's pass page asks: open (bind to the first phone) and status."""

from __future__ import annotations

import base64
import hashlib
import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officegate.protocol import pass_secret, static_text
from officegate.protocol.decision import Reason
from officegate.server.access.models import AccessEventRecord
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.errors import Conflict, Gone, NotFound
from officegate.server.keys import service as keys
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.keys.vault import Keyring
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass
from officegate.server.visits.schemas import LastAccessOut, PassOpenOut, PassStatusOut
from officegate.server.visits.service import link_hash

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
STATIC_PREFIX_LEN = 4  # "OG1S"


def _unknown() -> NotFound:
    return NotFound("unknown_pass", "This pass link is not valid. Please ask your host.",
                    "このパスのリンクは無効です。担当者にお問い合わせください。")


def find_pass(*, db: Session, token: str) -> VisitorPass:
    """The pass behind a link token; NotFound (bilingual) for anything else."""
    if not _TOKEN.match(token):
        raise _unknown()
    row = db.scalar(select(VisitorPass).where(VisitorPass.link_hash == link_hash(token)))
    if row is None:
        raise _unknown()
    return row


def _check_usable(row: VisitorPass) -> None:
    if row.revoked_at is not None:
        raise Gone("pass_revoked", "This pass has been cancelled. Please ask your host.",
                   "このパスは取り消されました。担当者にお問い合わせください。")
    if row.valid_until < utcnow():
        raise Gone("pass_expired", "This pass has expired.", "このパスは有効期限が切れています。")


def device_hash(device_id: str) -> str:
    """What is stored of a phone's id: its SHA-256."""
    return hashlib.sha256(device_id.encode()).hexdigest()


def bind(*, db: Session, row: VisitorPass, device_id: str) -> bool:
    """Bind ``row`` to ``device_id`` unless another phone has it; True when it is this
    phone's. A conditional UPDATE: of two phones racing, exactly one binds."""
    wanted = device_hash(device_id)
    if row.bound_device_hash is None:
        db.execute(update(VisitorPass)
                   .where(VisitorPass.id == row.id, VisitorPass.bound_device_hash.is_(None))
                   .values(bound_device_hash=wanted, bound_at=utcnow()))
        db.flush()
        db.refresh(row)
    return row.bound_device_hash == wanted


def open_pass(*, db: Session, token: str, device_id: str, keyring: Keyring) -> PassOpenOut:
    """Bind the link to the first phone that opens it and hand that phone its pass.

    The same phone gets the same answer again; any other phone gets Conflict
    ``bound_to_other_device``. Revoked or expired passes are Gone.
    """
    row = find_pass(db=db, token=token)
    _check_usable(row)
    if not bind(db=db, row=row, device_id=device_id):
        raise Conflict(
            "bound_to_other_device",
            "This pass is already open on another phone. A forwarded link does not work; "
            "please ask your host for your own pass.",
            "このパスは別の端末で既に開かれています。転送されたリンクは使えません。"
            "担当者にご自身のパスを依頼してください。",
        )
    return _pass_answer(db=db, row=row, keyring=keyring)


def _pass_answer(*, db: Session, row: VisitorPass, keyring: Keyring) -> PassOpenOut:
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    visitor = db.get(Visitor, visit.visitor_id)
    host = db.get(User, visit.host_id)
    site = db.get(Site, visit.site_id)
    record = db.get(SigningKeyRecord, row.kid)
    assert visitor is not None and host is not None and site is not None and record is not None
    key = keys.load_signing_key(keyring=keyring, record=record)
    text = static_text(row.cose)
    secret = pass_secret(key.code_key, bytes.fromhex(row.pass_id))
    return PassOpenOut(
        pass_id=row.pass_id, pass_text_static=text, cose_b45=text[STATIC_PREFIX_LEN:],
        code_secret=base64.b64encode(secret).decode("ascii"),
        visitor_name=visitor.name, host_name=host.display_name, site_name=site.name,
        starts_at=visit.starts_at, ends_at=visit.ends_at, room=visit.room,
        directions=visit.directions, valid_from=row.valid_from, valid_until=row.valid_until,
        zones=list(row.zones or []), doors=list(row.doors or []),
    )


def pass_status(*, db: Session, token: str) -> PassStatusOut:
    """Revoked? Expired? Checked in? The newest access event? (NotFound for bad links.)"""
    row = find_pass(db=db, token=token)
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    last = db.scalar(
        select(AccessEventRecord).where(AccessEventRecord.pass_id == row.pass_id)
        .order_by(AccessEventRecord.at.desc()).limit(1)
    )
    return PassStatusOut(
        revoked=row.revoked_at is not None, expired=row.valid_until < utcnow(),
        checked_in=visit.checked_in_at is not None, checked_in_at=visit.checked_in_at,
        last_access=None if last is None else LastAccessOut(
            at=last.at, device=last.device, reason=last.reason,
            accepted=last.reason == Reason.ACCEPTED.value),
    )
