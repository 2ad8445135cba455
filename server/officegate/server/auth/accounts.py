"""User administration beyond auth/users.py (list, add, role, deactivate): invite by e-mail
and reset a password by a one-time link; a user's own page language."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officegate.server.auth import service as auth
from officegate.server.auth.account_models import PasswordLink
from officegate.server.auth.models import User
from officegate.server.db import utcnow
from officegate.server.errors import Gone, InvalidInput, NotFound

LINK_LIFETIME = {"invite": timedelta(days=7), "reset": timedelta(hours=24)}
LANGUAGES = ("ja", "en")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(*, db: Session, user: User, purpose: str, now: datetime | None = None) -> str:
    """A fresh one-time link token for ``user`` (earlier unused links of theirs are spent:
    only the newest works)."""
    now = now or utcnow()
    db.execute(update(PasswordLink).where(PasswordLink.user_id == user.id,
                                          PasswordLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.add(PasswordLink(user_id=user.id, token_hash=_hash(token), purpose=purpose,
                        created_at=now, expires_at=now + LINK_LIFETIME[purpose]))
    db.flush()
    return token


def invite(*, db: Session, email: str, name: str, role: str) -> tuple[User, str]:
    """Create the account (no usable password yet) and its invitation link token."""
    user = auth.create_user(db=db, email=email, password=secrets.token_urlsafe(32), role=role,
                            name=name)
    return user, new_link(db=db, user=user, purpose="invite")


def link_user(*, db: Session, token: str, now: datetime | None = None) -> tuple[PasswordLink,
                                                                              User]:
    """The link and its user; Gone when it was used, replaced or expired."""
    link = db.scalar(select(PasswordLink).where(PasswordLink.token_hash == _hash(token[:100])))
    user = db.get(User, link.user_id) if link is not None else None
    if link is None or user is None:
        raise NotFound("unknown_link", "this link is not valid", "このリンクは無効です")
    if link.used_at is not None or link.expires_at <= (now or utcnow()) or not user.active:
        raise Gone("link_used", "this link was used or has expired; ask for a new one",
                   "このリンクは使用済みか期限切れです。新しいリンクを依頼してください")
    return link, user


def use_link(*, db: Session, token: str, password: str) -> User:
    """Set the password through a one-time link (spending it)."""
    link, user = link_user(db=db, token=token)
    auth.set_password(db=db, user=user, password=password)
    link.used_at = utcnow()
    return user


def get_account(*, db: Session, user_id: int) -> User:
    """Any user (active or not); NotFound otherwise."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("unknown_user", "no such user", "ユーザーがいません")
    return user


def language_of(*, db: Session, user_id: int) -> str | None:
    """The language a user chose for their pages (None: not chosen)."""
    user = db.get(User, user_id)
    return user.lang if user is not None else None


def set_language(*, db: Session, user: User, language: str | None) -> None:
    """Set (or, with None, forget) a user's own page language."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput("bad_language", f"language must be one of {list(LANGUAGES)}",
                           "言語は ja または en です")
    user.lang = language
    db.flush()
