"""Users, password checks and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from officegate.server.auth.models import ApiToken, Role, User
from officegate.server.db import utcnow
from officegate.server.errors import Conflict, InvalidInput

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("officegate-no-such-user")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def normalize_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def create_user(
    *, db: Session, email: str, password: str, role: Role | str, name: str = ""
) -> User:
    """Add a user; raises InvalidInput (bad e-mail, role, short password) or Conflict."""
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise InvalidInput("bad_email", f"not an e-mail address: {email!r}",
                           f"メールアドレスではありません: {email!r}")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput("bad_role", f"role must be one of {[r.value for r in Role]}",
                           "ロールは admin, staff, host のいずれかです") from None
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("weak_password", f"password needs at least {MIN_PASSWORD} characters",
                           f"パスワードは{MIN_PASSWORD}文字以上にしてください")
    if get_user_by_email(db=db, email=email) is not None:
        raise Conflict("user_exists", f"a user {email} already exists",
                       f"ユーザー {email} は既に存在します")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                role=role.value, active=True)
    db.add(user)
    db.flush()
    return user


def set_password(*, db: Session, user: User, password: str) -> None:
    """Replace a user's password and end their API tokens."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("weak_password", f"password needs at least {MIN_PASSWORD} characters",
                           f"パスワードは{MIN_PASSWORD}文字以上にしてください")
    user.password_hash = hash_password(password)
    db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def get_user_by_email(*, db: Session, email: str) -> User | None:
    """The user with this e-mail, or None."""
    return db.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(*, db: Session, user_id: int) -> User | None:
    """The active user with this id, or None."""
    user = db.get(User, user_id)
    return user if user is not None and user.active else None


def list_users(*, db: Session) -> list[User]:
    """All users, by e-mail."""
    return list(db.scalars(select(User).order_by(User.email)))


def count_users(*, db: Session) -> int:
    """How many users exist (the demo creates an admin when there are none)."""
    return int(db.scalar(select(func.count()).select_from(User)) or 0)


def authenticate(*, db: Session, email: str, password: str) -> User | None:
    """The active user when e-mail and password match, otherwise None."""
    user = get_user_by_email(db=db, email=email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(*, db: Session, user: User, hours: int) -> str:
    """A new bearer token for ``user``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=_token_hash(token),
                    expires_at=utcnow() + timedelta(hours=hours)))
    db.flush()
    return token


def user_for_token(*, db: Session, token: str) -> User | None:
    """The active user a valid, unexpired bearer token belongs to."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    return get_user(db=db, user_id=row.user_id)
