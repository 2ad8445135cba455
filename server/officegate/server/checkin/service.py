"""Touchless lobby check-in: poster code, pass possession, deny list, acknowledgement."""

from __future__ import annotations

import base64
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import matching_counter, pass_secret
from officegate.server.arrival import service as arrival
from officegate.server.arrival.models import ArrivalSite
from officegate.server.auth.models import Role, User
from officegate.server.checkin import passes, poster
from officegate.server.checkin.models import CheckIn, WatchEntry
from officegate.server.console.forms import FieldError
from officegate.server.errors import Conflict, Forbidden, Gone, NotFound
from officegate.server.keys import service as keys
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.keys.vault import Keyring
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass
from officegate.server.visits.pass_page import find_pass

CODE_TOLERANCE = 2  # rotating-code steps either side: a phone clock a little off still works


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check-in attempt or decision did: "checked_in", "held", "needs_ack", "cleared"
    (a hold at invitation approved), "refused" (+ the new pass row)."""

    status: str
    visit: Visit
    checkin: CheckIn | None = None
    new_pass: VisitorPass | None = None
    replaced: bool = False  # a pass was revoked: publish the revocations after the commit
    config: ArrivalSite | None = None


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def checkin_of(*, db: Session, visit_id: int) -> CheckIn | None:
    """The visit's check-in row, if any."""
    return db.scalar(select(CheckIn).where(CheckIn.visit_id == visit_id))


def _prove_possession(db: Session, row: VisitorPass, code: str, keyring: Keyring,
                      now: datetime) -> None:
    """The rotating code shows this phone holds the pass (the secret is only on that phone)."""
    record = db.get(SigningKeyRecord, row.kid)
    assert record is not None
    secret = pass_secret(keys.load_signing_key(keyring=keyring, record=record).code_key,
                         bytes.fromhex(row.pass_id))
    if not (code.isdigit() and len(code) == 8) or matching_counter(
            secret, code, now.timestamp(), tolerance=CODE_TOLERANCE) is None:
        raise Forbidden("bad_code", "The pass could not be confirmed on this phone. Open your "
                        "pass page and try again.",
                        "この端末でパスを確認できませんでした。パスのページを開いてからもう一度お試しください。")


def match_watchlist(*, db: Session, site_id: int, visitor: Visitor,
                    since: datetime | None = None) -> WatchEntry | None:
    """The first deny/watch entry matching the visitor's name or e-mail (deny first); only
    entries added after ``since`` when given (a hold someone already cleared)."""
    name, email = _norm(visitor.name), _norm(visitor.email)
    query = select(WatchEntry).where(WatchEntry.site_id == site_id)
    if since is not None:
        query = query.where(WatchEntry.created_at > since)
    rows = db.scalars(query.order_by(WatchEntry.list, WatchEntry.id))  # "deny" < "watch"
    for entry in rows:
        if (entry.name and _norm(entry.name) == name) or (entry.email and email
                                                         and _norm(entry.email) == email):
            return entry
    return None


def check_in(*, db: Session, token: str, code: str, site: str, day: str, poster_code: str,
             secret: str, keyring: Keyring, key_alg: str, now: datetime,
             ack_version: str | None = None) -> Outcome:
    """Check a visitor in from the lobby poster.

    Checks, in order: the pass link, the poster (today's, this site), the rotating code
    (pass possession), the visit day, the site acknowledgement, the deny list / watchlist.
    Checking in twice answers the same; a held visitor stays held until approved.
    """
    row = find_pass(db=db, token=token)
    if row.revoked_at is not None or row.valid_until < now:
        raise Gone("pass_not_usable", "This pass is no longer valid. Please ask your host.",
                   "このパスは使えません。担当者にお問い合わせください。")
    visit, site_row, config = arrival.visit_of_pass(db=db, row=row)
    if site_row.code != site:
        raise Forbidden("other_site", "This poster belongs to another office.",
                        "このポスターは別のオフィスのものです。")
    why = poster.code_is_valid(secret=secret, site=site, day=day,
                               today=arrival.local_day(config, now), code=poster_code)
    if why == "old_poster":
        raise Gone("old_poster",
                   "This check-in code is not today's. Scan the poster in the lobby.",
                   "本日のチェックインコードではありません。ロビーのポスターを読み取ってください。")
    if why is not None:
        raise Forbidden("bad_poster", "This is not a valid check-in poster.",
                        "有効なチェックインポスターではありません。")
    _prove_possession(db, row, code, keyring, now)
    if not arrival.on_visit_day(config, visit, now):
        raise Conflict("not_visit_day", "Your visit is on another day.",
                       "ご訪問日は本日ではありません。")
    record = checkin_of(db=db, visit_id=visit.id)
    if record is not None and record.status == "checked_in":
        return Outcome("checked_in", visit, record, row, config=config)
    if record is not None and record.status in ("checked_out", "refused"):
        raise Conflict(f"already_{record.status}",
                       "This visit can no longer check in. Please ask your host.",
                       "この訪問はチェックインできません。担当者にお問い合わせください。")
    if record is None:
        record = CheckIn(visit_id=visit.id, status="new")
        db.add(record)
    if config is not None and config.ack_version and record.ack_version != config.ack_version:
        if ack_version != config.ack_version:
            db.flush()
            return Outcome("needs_ack", visit, record, config=config)
        record.ack_version, record.ack_at = config.ack_version, now
    if record.status == "held":
        return Outcome("held", visit, record, config=config)
    visitor = db.get(Visitor, visit.visitor_id)
    assert visitor is not None
    entry = match_watchlist(db=db, site_id=site_row.id, visitor=visitor,
                            since=record.cleared_at if record.status == "cleared" else None)
    if entry is not None:
        record.status, record.held_at, record.held_stage = "held", now, "checkin"
        record.held_reason, record.held_list = entry.reason, entry.list
        db.flush()
        return Outcome("held", visit, record, config=config)
    return _admit(db, visit, record, row, config, keyring, key_alg, now)


def _admit(db: Session, visit: Visit, record: CheckIn, row: VisitorPass,
           config: ArrivalSite | None, keyring: Keyring, key_alg: str, now: datetime) -> Outcome:
    record.status, record.checked_in_at = "checked_in", now
    visit.checked_in_at = now
    extra = list(config.checkin_zones) if config else []
    new_pass, replaced = row, False
    if extra:
        # Always a fresh pass: one copied or photographed before check-in is dead after it.
        new_pass = passes.replace_pass(db=db, row=row, zones=[*row.zones, *extra],
                                       keyring=keyring, key_alg=key_alg)
        replaced = True
    db.flush()
    return Outcome("checked_in", visit, record, new_pass, replaced, config)


def current_pass(*, db: Session, visit_id: int) -> VisitorPass | None:
    """The visit's pass that is not revoked (the one its link opens)."""
    return db.scalar(select(VisitorPass).where(VisitorPass.visit_id == visit_id,
                                               VisitorPass.revoked_at.is_(None))
                     .order_by(VisitorPass.id.desc()).limit(1))


def decide(*, db: Session, visit_id: int, user: User, allow: bool, keyring: Keyring,
           key_alg: str, now: datetime) -> Outcome:
    """Approve or refuse a held visitor: the host (watchlist only) or staff (both lists)."""
    visit = db.get(Visit, visit_id)
    record = checkin_of(db=db, visit_id=visit_id)
    if visit is None or record is None or record.status != "held":
        raise NotFound("not_held", "this visit is not waiting for approval",
                       "この訪問は承認待ちではありません")
    is_staff = user.role in (Role.ADMIN, Role.STAFF)
    if not is_staff and (visit.host_id != user.id or record.held_list == "deny"):
        raise Forbidden("approval_forbidden", "only staff may decide on a deny-list match; "
                        "a host only for their own visitor",
                        "拒否リストの一致はスタッフのみ、その他は担当ホストのみ承認できます")
    record.decided_by = user.id
    if not allow:
        record.status = "refused"
        if record.held_stage == "invitation":  # no link went out; none will open a door
            for live in db.scalars(select(VisitorPass).where(
                    VisitorPass.visit_id == visit.id, VisitorPass.revoked_at.is_(None))):
                live.revoked_at = now
                site = db.get(Site, visit.site_id)
                if site is not None:
                    site.revocations_version += 1
            db.flush()
            return Outcome("refused", visit, record, replaced=True)
        db.flush()
        return Outcome("refused", visit, record)
    if record.held_stage == "invitation":
        # Approved before the visit: the invitation goes out now, check-in comes later.
        record.status, record.cleared_at = "cleared", now
        db.flush()
        return Outcome("cleared", visit, record)
    row = current_pass(db=db, visit_id=visit_id)
    if row is None:
        raise Gone("pass_not_usable", "the visitor's pass is revoked", "パスが無効です")
    config = arrival.site_config(db=db, site_id=visit.site_id)
    return _admit(db, visit, record, row, config, keyring, key_alg, now)


def check_out(*, db: Session, visit_id: int, how: str, now: datetime) -> CheckIn | None:
    """Mark a checked-in visit as out and revoke its pass; None when it was not checked in.

    The caller publishes revocations and the journey event after the commit.
    """
    record = checkin_of(db=db, visit_id=visit_id)
    if record is None or record.status != "checked_in":
        return None
    record.status, record.checked_out_at, record.checkout_how = "checked_out", now, how
    row = current_pass(db=db, visit_id=visit_id)
    visit = db.get(Visit, visit_id)
    if row is not None and visit is not None:
        row.revoked_at = now
        site = db.get(Site, visit.site_id)
        if site is not None:
            site.revocations_version += 1
    db.flush()
    return record


def _checked_watch(list_name: str, name: str | None, email: str | None,
                   reason: str) -> tuple[str | None, str | None, str]:
    """The entry's name, e-mail and reason, trimmed; a FieldError names the field at fault."""
    if list_name not in ("deny", "watch"):
        raise FieldError("list", "bad_list", "list must be 'deny' or 'watch'",
                         "リストは deny か watch です")
    name = (name or "").strip() or None
    email = (email or "").strip() or None
    if not (name or email):
        raise FieldError("name", "watch_incomplete", "give a name or e-mail, and a reason",
                         "氏名かメールアドレス、および理由を入力してください")
    if email is not None and ("@" not in email.strip("@") or any(c.isspace() for c in email)):
        raise FieldError("email", "bad_email", "not an e-mail address",
                         "メールアドレスの形式が正しくありません")
    if not reason.strip():
        raise FieldError("reason", "watch_incomplete", "give a name or e-mail, and a reason",
                         "氏名かメールアドレス、および理由を入力してください")
    return name, email, reason.strip()


def add_watch(*, db: Session, site: str, list_name: str, name: str | None, email: str | None,
              reason: str, user: User) -> WatchEntry:
    """Add a deny-list or watchlist entry (staff)."""
    name, email, reason = _checked_watch(list_name, name, email, reason)
    site_row = sites.get_site(db=db, code=site)
    entry = WatchEntry(site_id=site_row.id, list=list_name, name=name, email=email,
                       reason=reason, created_by=user.id)
    db.add(entry)
    db.flush()
    return entry


def get_watch(*, db: Session, site: str, entry_id: int) -> WatchEntry:
    """The site's list entry ``entry_id``; NotFound otherwise (another site's too)."""
    entry = db.get(WatchEntry, entry_id)
    if entry is None or entry.site_id != sites.get_site(db=db, code=site).id:
        raise NotFound("unknown_watch", f"no list entry {entry_id}",
                       f"リストの項目 {entry_id} はありません")
    return entry


def update_watch(*, db: Session, entry: WatchEntry, list_name: str, name: str | None,
                 email: str | None, reason: str) -> WatchEntry:
    """Change an entry in place. Its added time stays: a visitor an approver already let
    through is not held again for an edit (``match_watchlist``'s ``since``)."""
    entry.name, entry.email, entry.reason = _checked_watch(list_name, name, email, reason)
    entry.list = list_name
    db.flush()
    return entry


def remove_watch(*, db: Session, entry: WatchEntry) -> None:
    """Take an entry off its list (visitors it holds now stay held until approved)."""
    db.delete(entry)
    db.flush()


def code_secret_b64(*, db: Session, row: VisitorPass, keyring: Keyring) -> str:
    """The per-pass TOTP secret, for the pass answer handed to the phone."""
    record = db.get(SigningKeyRecord, row.kid)
    assert record is not None
    key = keys.load_signing_key(keyring=keyring, record=record)
    return base64.b64encode(pass_secret(key.code_key, bytes.fromhex(row.pass_id))).decode()
