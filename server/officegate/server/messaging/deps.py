"""FastAPI dependencies of the messaging domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from officegate.server.errors import NotFound
from officegate.server.messaging.runtime import Messaging


def get_messaging(request: Request) -> Messaging:
    """The app's messaging runtime (built when the app starts)."""
    runtime = request.app.state.officegate.runtime
    rt: Messaging | None = runtime.messaging if runtime is not None else None
    if rt is None:
        raise NotFound("messaging_off", "messaging is not running",
                       "メッセージ機能が起動していません")
    return rt


MessagingDep = Annotated[Messaging, Depends(get_messaging)]
