"""The site's clock on the server: the page templates render in the site's time zone."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officegate.server.db import session_scope
from officegate.server.localtime import SiteClock, clock_of, install
from officegate.server.sites import service
from officegate.server.sites.models import Site


def site_templates(directory: Path, *, sessions: sessionmaker[Session], site: str
                   ) -> Jinja2Templates:
    """The page templates, with ``|localtime`` in the time zone of ``site``."""
    with session_scope(sessions) as db:
        name = service.time_zone(db.scalar(select(Site).where(Site.code == site)))
    templates = Jinja2Templates(directory=str(directory))
    install(templates.env, SiteClock(name))
    return templates


def page_clock(templates: Jinja2Templates) -> SiteClock:
    """The clock the pages render with (a plain default one if none was installed)."""
    return clock_of(templates.env) or SiteClock()
