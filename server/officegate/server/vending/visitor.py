"""What the visitor's pass page asks about the free drink."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.db import utcnow
from officegate.server.devices.models import Device
from officegate.server.errors import Gone
from officegate.server.sites.models import Site
from officegate.server.vending import drinks, service, texts
from officegate.server.vending.models import DrinkOffer, DrinkOrder, VendingMachine
from officegate.server.vending.schemas import (
    DrinkStatusOut,
    MachineMenuOut,
    MenuItemOut,
    OrderOut,
)
from officegate.server.visits.models import Visit, VisitorPass
from officegate.server.visits.pass_page import find_pass


def usable_pass(*, db: Session, token: str) -> VisitorPass:
    """The pass behind a link, if it may still order (Gone when revoked or expired)."""
    row = find_pass(db=db, token=token)
    if row.revoked_at is not None:
        raise Gone("pass_revoked", "This pass has been cancelled.", "このパスは取り消されました。")
    if row.valid_until < utcnow():
        raise Gone("pass_expired", "This pass has expired.", "このパスは有効期限が切れています。")
    return row


def _order_out(db: Session, order: DrinkOrder) -> OrderOut:
    machine = db.get(VendingMachine, order.machine_id)
    assert machine is not None
    device = db.get(Device, machine.device_id)
    if order.status == drinks.OPEN:
        en, ja = texts.ordered(machine.label_en, machine.label_ja, order.name_en, order.name_ja)
    elif order.status == "served":
        en, ja = texts.SERVED
    else:
        en, ja = texts.FAILURES.get(order.reason, texts.FAILURES["cancelled"])
    return OrderOut(order_id=order.order_id, machine=device.name if device else "",
                    label_en=machine.label_en, label_ja=machine.label_ja, product=order.product,
                    name_en=order.name_en, name_ja=order.name_ja, status=order.status,
                    reason=order.reason, expires_at=order.expires_at, message_en=en,
                    message_ja=ja)


def drink_status(*, db: Session, visitor_pass: VisitorPass) -> tuple[DrinkStatusOut,
                                                                     drinks.Outcome]:
    """The offer with each machine's menu, the newest order and the quota left."""
    visit = db.get(Visit, visitor_pass.visit_id)
    assert visit is not None
    done = drinks.expire_orders(db=db, visit=visit)
    site = db.get(Site, visit.site_id)
    assert site is not None
    policy = service.get_policy(db=db, site=site)
    offer = db.scalar(select(DrinkOffer).where(DrinkOffer.visit_id == visit.id))
    latest = db.scalar(select(DrinkOrder).where(DrinkOrder.visit_id == visit.id)
                       .order_by(DrinkOrder.created_at.desc(), DrinkOrder.id.desc()).limit(1))
    left = drinks.quota_left(db, visit)
    machines: list[MachineMenuOut] = []
    waiting = latest is not None and latest.status == drinks.OPEN
    if offer is not None and left > 0 and not waiting:
        for m in service.list_machines(db=db, site=site, route_zone=offer.zone):
            items = [MenuItemOut.model_validate(i) for i in drinks.menu(db, m)]
            if not items:
                continue  # nothing to offer there (sold out, or no stock report yet)
            machines.append(MachineMenuOut(machine=m.name, label_en=m.row.label_en,
                                           label_ja=m.row.label_ja, menu=items))
    en, ja = texts.OFFER if offer is not None and left > 0 else texts.QUOTA_USED if (
        offer is not None) else texts.NO_OFFER
    return DrinkStatusOut(
        offered=offer is not None, message_en=en, message_ja=ja, machines=machines,
        order=_order_out(db, latest) if latest is not None else None, quota_left=left,
        drinks_per_visit=policy.drinks_per_visit), done
