"""Who hears of an alarm: the site's alarm policy and the staff on duty."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.alerts.models import AlertPolicy, DutyMember
from officegate.server.auth.models import Role, User
from officegate.server.errors import InvalidInput
from officegate.server.notify.service import check_apprise_url
from officegate.server.outbound import OutboundPolicy

MAX_URLS = 10
STAFF_ROLES = (Role.ADMIN.value, Role.STAFF.value)


def get_policy(*, db: Session, site: str) -> AlertPolicy:
    """The site's alarm policy (the defaults until an admin saves one)."""
    row = db.get(AlertPolicy, site)
    if row is None:
        row = AlertPolicy(site=site, escalate_minutes=5, max_level=3, email=True,
                          apprise_urls="")
    return row


def apprise_urls(policy: AlertPolicy) -> list[str]:
    """The site-level notification URLs of ``policy``."""
    return [u.strip() for u in policy.apprise_urls.splitlines() if u.strip()]


def set_policy(*, db: Session, site: str, escalate_minutes: int, max_level: int, email: bool,
               urls: list[str], outbound: OutboundPolicy | None = None) -> AlertPolicy:
    """Save the policy; each URL is checked as the host notification targets are
    (InvalidInput with ``field`` naming the bad one)."""
    if not 1 <= escalate_minutes <= 240:
        raise InvalidInput("bad_escalate_minutes", "escalate after 1 to 240 minutes",
                           "エスカレーションまでの時間は 1〜240 分です")
    if not 0 <= max_level <= 10:
        raise InvalidInput("bad_max_level", "escalations at most 0 to 10",
                           "エスカレーションの最大回数は 0〜10 です")
    clean = [u.strip() for u in urls if u.strip()]
    if len(clean) > MAX_URLS:
        raise InvalidInput("too_many_targets", f"at most {MAX_URLS} URLs",
                           f"通知先は最大{MAX_URLS}件です")
    checked = [check_apprise_url(url, outbound=outbound) for url in clean]
    row = db.get(AlertPolicy, site) or AlertPolicy(site=site)
    row.escalate_minutes, row.max_level, row.email = escalate_minutes, max_level, email
    row.apprise_urls = "\n".join(checked)
    db.add(row)
    db.flush()
    return row


def staff_members(*, db: Session) -> list[User]:
    """Every active staff member and admin, by name."""
    return list(db.scalars(select(User).where(User.role.in_(STAFF_ROLES),
                                              User.active.is_(True))
                           .order_by(User.name, User.email)))


def on_duty(*, db: Session) -> list[User]:
    """The staff listed on duty (active ones only)."""
    return list(db.scalars(select(User).join(DutyMember, DutyMember.user_id == User.id)
                           .where(User.active.is_(True), User.role.in_(STAFF_ROLES))
                           .order_by(User.name, User.email)))


def set_duty(*, db: Session, user_ids: list[int]) -> list[User]:
    """Replace the duty roster with the staff members ``user_ids`` (others are ignored)."""
    allowed = {u.id for u in staff_members(db=db)}
    for row in db.scalars(select(DutyMember)):
        db.delete(row)
    db.flush()
    for user_id in sorted(set(user_ids) & allowed):
        db.add(DutyMember(user_id=user_id))
    db.flush()
    return on_duty(db=db)


def recipients(*, db: Session, level: int) -> list[User]:
    """Who hears of an alarm at escalation ``level``: the staff on duty first (all staff
    when nobody is listed), every staff member and admin from the first escalation on."""
    if level == 0:
        return on_duty(db=db) or staff_members(db=db)
    return staff_members(db=db)
