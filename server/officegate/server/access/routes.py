"""The access log's first API (by device, reason and day); the log page and its search are
in log_routes.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from officegate.server.access import service
from officegate.server.access.schemas import AccessEventOut, AccessFilter
from officegate.server.deps import InvitingUser, SessionDep, StateDep
from officegate.server.sites.clock import page_clock

router = APIRouter()
FilterQuery = Annotated[AccessFilter, Query()]


@router.get("/api/access-events", response_model=list[AccessEventOut], tags=["access"])
def list_access_events(filters: FilterQuery, db: SessionDep, state: StateDep,
                       user: InvitingUser) -> list[AccessEventOut]:
    """Access events newest first; staff and admins see all, hosts their own visitors'.
    ``date`` is a day in the site's time zone."""
    return service.list_events(db=db, viewer=user, filters=filters,
                               time_zone=page_clock(state.templates).name)
