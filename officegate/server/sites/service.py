"""Sites and zones."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.errors import InvalidInput, NotFound
from officegate.server.sites.models import Site, Zone

# Names travel in MQTT topics and in passes: keep them to a safe, short alphabet.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_name(value: str, *, what: str) -> str:
    """``value`` when it is a valid topic-safe name, else InvalidInput naming ``what``."""
    if not NAME.match(value):
        raise InvalidInput(f"bad_{what}",
                           f"{what} {value[:70]!r} must be 1-64 of a-z 0-9 _ - (lower case)",
                           f"{what} は英小文字・数字・_・- の1〜64文字にしてください")
    return value


def ensure_site(*, db: Session, code: str, name: str) -> Site:
    """The site with ``code``, created when missing."""
    check_name(code, what="site")
    site = db.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name, keyset_version=0, revocations_version=0)
        db.add(site)
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
    """The zone ``name`` of ``site``, created when missing."""
    check_name(name, what="zone")
    zone = db.scalar(select(Zone).where(Zone.site_id == site.id, Zone.name == name))
    if zone is None:
        zone = Zone(site_id=site.id, name=name)
        db.add(zone)
        db.flush()
    return zone


def list_zones(*, db: Session, site: Site) -> list[Zone]:
    """Zones of a site, by name."""
    return list(db.scalars(select(Zone).where(Zone.site_id == site.id).order_by(Zone.name)))
