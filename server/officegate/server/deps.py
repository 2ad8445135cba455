"""FastAPI dependencies as Annotated aliases: the database session, settings, the user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officegate.mqtt import BrokerAddress
from officegate.server.auth import service as auth_service
from officegate.server.auth import sessions as auth_sessions
from officegate.server.auth.models import Role, User
from officegate.server.auth.sessions import SESSION_ID_KEY
from officegate.server.errors import Forbidden, NotAuthenticated
from officegate.server.journey import JourneyBus
from officegate.server.settings import Settings

if TYPE_CHECKING:
    from officegate.server.bridge.service import SiteBridge
    from officegate.server.runtime import ServerRuntime



@dataclass
class ServerState:
    """Everything a request may need, built once by ``create_app``."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    templates: Jinja2Templates
    bridge: SiteBridge | None = None
    broker: BrokerAddress | None = None  # where the bridge connects (embedded or given)
    journey: JourneyBus = field(default_factory=JourneyBus)  # journey events between domains
    runtime: ServerRuntime | None = None  # what runs besides HTTP (runtime.py), set by create_app


class LoginRequired(Exception):
    """A page needs a signed-in user; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def get_state(request: Request) -> ServerState:
    """The app's ServerState."""
    state: ServerState = request.app.state.officegate
    return state


StateDep = Annotated[ServerState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    """The settings the app was created with."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_db(state: StateDep) -> Iterator[Session]:
    """A session per request, committed when the route returns without error."""
    db = state.sessions()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


# scope="function": commit before the response is sent, so a client that gets an answer
# (a token, a visit) can use it at once.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def user_from_request(request: Request, db: Session) -> User | None:
    """The user a bearer token or session cookie names; None when neither is given
    (NotAuthenticated for an unknown or expired bearer token)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = auth_service.user_for_token(db=db, token=token.strip())
        if user is None:
            raise NotAuthenticated("bad_token", "the bearer token is unknown or expired",
                                   "トークンが無効か期限切れです")
        return user
    # The cookie names a server-side session: one that logout ended signs nobody in.
    uid = auth_sessions.user_id_of(db=db, session_id=request.session.get(SESSION_ID_KEY))
    return None if uid is None else auth_service.get_user(db=db, user_id=uid)


def get_current_user(request: Request, db: SessionDep) -> User:
    """The user of an API call (bearer token or session cookie); 401 when there is none."""
    user = user_from_request(request, db)
    if user is None:
        raise NotAuthenticated("not_authenticated",
                               "sign in first: send 'Authorization: Bearer <token>' "
                               "(POST /api/auth/token) or use the session cookie",
                               "ログインが必要です")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_page_user(request: Request, db: SessionDep) -> User:
    """The signed-in user of a staff page; redirects to /login when there is none."""
    user = user_from_request(request, db)
    if user is None:
        raise LoginRequired(request.url.path)
    return user


PageUser = Annotated[User, Depends(get_page_user)]


def _check_role(user: User, roles: tuple[Role, ...]) -> User:
    if user.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden("forbidden", f"this needs the role {allowed}; you are {user.role}",
                        f"この操作には {allowed} のロールが必要です")
    return user


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only users with one of ``roles`` through (403 otherwise)."""

    def dependency(user: CurrentUser) -> User:
        return _check_role(user, roles)

    return dependency


def require_page_role(*roles: Role) -> Callable[[User], User]:
    """Like :func:`require_role`, for pages (redirect to /login when signed out)."""

    def dependency(user: PageUser) -> User:
        return _check_role(user, roles)

    return dependency


ANY_ROLE = (Role.ADMIN, Role.STAFF, Role.HOST)
StaffUser = Annotated[User, Depends(require_role(Role.ADMIN, Role.STAFF))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
StaffPageUser = Annotated[User, Depends(require_page_role(*ANY_ROLE))]
InvitingUser = Annotated[User, Depends(require_role(*ANY_ROLE))]
