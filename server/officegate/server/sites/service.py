"""Sites and zones."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.errors import InvalidInput, NotFound
from officegate.server.localtime import DEFAULT_TIME_ZONE, check_time_zone
from officegate.server.sites.models import Site, Zone

# Zones hosts may grant from the start: where every visitor goes anyway.
VISITOR_ZONES = frozenset({"lobby"})
# Names travel in MQTT topics and in passes: keep them to a safe, short alphabet.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_name(value: str, *, what: str) -> str:
    """``value`` when it is a valid topic-safe name, else InvalidInput naming ``what``."""
    if not NAME.match(value):
        raise InvalidInput(f"bad_{what}",
                           f"{what} {value[:70]!r} must be 1-64 of a-z 0-9 _ - (lower case)",
                           f"{what} は英小文字・数字・_・- の1〜64文字にしてください")
    return value


def ensure_site(*, db: Session, code: str, name: str, timezone: str | None = None) -> Site:
    """The site with ``code``, created when missing; a site without a time zone gets
    ``timezone`` (the OFFICEGATE_TIMEZONE setting), one the admin chose keeps it."""
    check_name(code, what="site")
    site = db.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name, keyset_version=0, revocations_version=0)
        db.add(site)
    if site.timezone is None and timezone:
        site.timezone = check_time_zone(timezone)
    db.flush()
    return site


def time_zone(site: Site | None) -> str:
    """The IANA time zone the site is read in (the default when it has none yet)."""
    return site.timezone if site is not None and site.timezone else DEFAULT_TIME_ZONE


def time_zone_of(*, db: Session, site_id: int) -> str:
    """:func:`time_zone` of the site with ``site_id``."""
    return time_zone(db.get(Site, site_id))


def time_zone_of_code(*, db: Session, code: str) -> str:
    """:func:`time_zone` of the site with ``code`` (the default when there is none)."""
    return time_zone(db.scalar(select(Site).where(Site.code == code)))


def set_time_zone(*, db: Session, site: Site, timezone: str) -> Site:
    """Change the site's time zone; InvalidInput (422) for a name zoneinfo does not know."""
    site.timezone = check_time_zone(timezone)
    db.flush()
    return site


def get_site(*, db: Session, code: str) -> Site:
    """The site with ``code``; NotFound otherwise."""
    site = db.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound("unknown_site", f"no site {code[:70]!r}",
                       f"サイト {code[:70]!r} はありません")
    return site


def ensure_zone(*, db: Session, site: Site, name: str) -> Zone:
    """The zone ``name`` of ``site``, created when missing (hosts may grant it to visitors
    when it is one of :data:`VISITOR_ZONES`; staff change that in sites.visitor_zones)."""
    check_name(name, what="zone")
    zone = db.scalar(select(Zone).where(Zone.site_id == site.id, Zone.name == name))
    if zone is None:
        zone = Zone(site_id=site.id, name=name, visitor_grantable=name in VISITOR_ZONES)
        db.add(zone)
        db.flush()
    return zone


def list_zones(*, db: Session, site: Site) -> list[Zone]:
    """Zones of a site, by name."""
    return list(db.scalars(select(Zone).where(Zone.site_id == site.id).order_by(Zone.name)))
