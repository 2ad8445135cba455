"""User administration (admins): list users, add one, change a role or deactivate; every
change is on the audit log with before and after."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from officegate.server.audit import service as audit
from officegate.server.auth import service
from officegate.server.auth.models import ApiToken, User
from officegate.server.db import RowId
from officegate.server.deps import AdminUser, SessionDep
from officegate.server.errors import InvalidInput, NotFound
from officegate.server.http.openapi import EMAIL_RULE

router = APIRouter(prefix="/api/users", tags=["users"])
RoleName = Literal["admin", "staff", "host"]


class UserAdminOut(BaseModel):
    """A user as an admin sees them."""

    id: int
    email: str
    name: str
    role: str
    active: bool


class UserNewIn(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL_RULE)
    name: str = Field(default="", max_length=200)
    role: RoleName = "host"
    password: str = Field(min_length=8, max_length=1024)


class UserChangeIn(BaseModel):
    """A change of role, name or whether the user may sign in; only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    role: RoleName | None = None
    name: str | None = Field(default=None, max_length=200)
    active: bool | None = None


def _out(user: User) -> UserAdminOut:
    return UserAdminOut(id=user.id, email=user.email, name=user.name, role=user.role,
                        active=user.active)


@router.get("", response_model=list[UserAdminOut])
def list_users(db: SessionDep, _admin: AdminUser) -> list[UserAdminOut]:
    """Every user (admin)."""
    return [_out(u) for u in service.list_users(db=db)]


@router.post("", response_model=UserAdminOut, status_code=201)
def add_user(body: UserNewIn, request: Request, db: SessionDep,
             admin: AdminUser) -> UserAdminOut:
    """Add a user (admin)."""
    user = service.create_user(db=db, email=body.email, password=body.password,
                               role=body.role, name=body.name)
    out = _out(user)
    audit.record(db, who=audit.actor_of(request, admin), action="user.add",
                 target=f"user:{user.id}", after=out.model_dump())
    return out


@router.patch("/{user_id}", response_model=UserAdminOut)
def change_user(user_id: RowId, body: UserChangeIn, request: Request, db: SessionDep,
                admin: AdminUser) -> UserAdminOut:
    """Change a user's role, name or active flag (admin); an admin cannot demote or
    deactivate themself (someone must stay able to administer)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("no_user", f"no user {user_id}", f"ユーザー {user_id} はいません")
    if user.id == admin.id and (body.active is False or body.role not in (None, "admin")):
        raise InvalidInput("self_demote", "you cannot demote or deactivate yourself",
                           "自分自身の権限は下げられません")
    before = _out(user)
    for name, value in body.model_dump(exclude_none=True).items():
        setattr(user, name, value.strip() if isinstance(value, str) and name == "name"
                else value)
    if body.active is False or (body.role is not None and body.role != before.role):
        db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))  # sign out now
    out = _out(user)
    audit.record(db, who=audit.actor_of(request, admin), action="user.change",
                 target=f"user:{user.id}", before=before.model_dump(), after=out.model_dump())
    return out
