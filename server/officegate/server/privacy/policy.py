"""A site's retention policy: read with defaults, changed by admins."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.db import utcnow
from officegate.server.errors import InvalidInput
from officegate.server.privacy.models import (
    ACCESS_DAYS,
    ARRIVAL_DAYS,
    AUDIT_DAYS,
    IDENTITY_DAYS,
    RetentionPolicy,
)
from officegate.server.sites.models import Site

# Bounds an admin may choose: at least a day (a visit must be able to happen), at most ten
# years (a typo of 36500 should not keep data for a century).
MIN_DAYS, MAX_DAYS = 1, 3650


@dataclass(frozen=True, slots=True)
class Retention:
    """How long one site keeps each kind of data, in days."""

    identity_days: int = IDENTITY_DAYS
    access_days: int = ACCESS_DAYS
    arrival_days: int = ARRIVAL_DAYS
    audit_days: int = AUDIT_DAYS
    operator: str = ""
    contact: str = ""

    @property
    def identity(self) -> timedelta:
        """How long identity, messages and contact points stay after the visit ends."""
        return timedelta(days=self.identity_days)

    def as_dict(self) -> dict[str, int | str]:
        """The policy as plain values (for the audit log and the API)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


DAY_FIELDS = ("identity_days", "access_days", "arrival_days", "audit_days")


def retention_of(*, db: Session, site: Site) -> Retention:
    """The site's policy; the defaults when an admin never set one."""
    row = db.scalar(select(RetentionPolicy).where(RetentionPolicy.site_id == site.id))
    if row is None:
        return Retention()
    return Retention(identity_days=row.identity_days, access_days=row.access_days,
                     arrival_days=row.arrival_days, audit_days=row.audit_days,
                     operator=row.operator, contact=row.contact)


def set_retention(*, db: Session, site: Site, changes: dict[str, int | str]) -> Retention:
    """Change the policy; a number of days out of bounds is InvalidInput (422)."""
    for name in DAY_FIELDS:
        value = changes.get(name)
        if value is not None and not (isinstance(value, int) and MIN_DAYS <= value <= MAX_DAYS):
            raise InvalidInput("bad_retention", f"{name} must be {MIN_DAYS}..{MAX_DAYS} days",
                               f"{name} は {MIN_DAYS}〜{MAX_DAYS} 日で指定してください")
    row = db.scalar(select(RetentionPolicy).where(RetentionPolicy.site_id == site.id))
    if row is None:
        row = RetentionPolicy(site_id=site.id)
        for name, value in Retention().as_dict().items():
            setattr(row, name, value)
        db.add(row)
    for name, value in changes.items():
        if value is not None and hasattr(row, name):
            setattr(row, name, value.strip()[:254] if isinstance(value, str) else value)
    row.updated_at = utcnow()
    db.flush()
    return retention_of(db=db, site=site)
