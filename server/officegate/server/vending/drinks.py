"""The free drink of a visit: the proactive offer, orders, the quota, and what machines report.

Functions return an :class:`Outcome`: the journey events and machine commands to send once
the caller has committed (nobody should hear of a drink the database does not hold yet).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officegate.protocol import vending as msg
from officegate.server.db import utcnow
from officegate.server.devices.models import Device
from officegate.server.errors import Conflict, NotFound, OfficeGateError
from officegate.server.journey import JourneyEvent, Kind
from officegate.server.sites.models import Site, Zone
from officegate.server.vending import service, texts
from officegate.server.vending.models import (
    DrinkOffer,
    DrinkOrder,
    VendingMachine,
    VendingSlot,
)
from officegate.server.visits.models import Visit, VisitorPass

OPEN = "ordered"
FAILED_OUTCOMES = ("jammed", "out_of_stock", "expired")


@dataclass
class Outcome:
    """What to tell after commit: journey events, and commands as (machine, payload)."""

    journey: list[JourneyEvent] = field(default_factory=list)
    commands: list[tuple[str, bytes]] = field(default_factory=list)

    def add(self, kind: str, key: str, visit: Visit | None, site: str,
            **data: object) -> None:
        """Queue a journey event."""
        self.journey.append(JourneyEvent(kind=Kind(kind), key=key, at=utcnow(), site=site,
                                         visit_id=visit.id if visit else None, data=data))


def _site_of(db: Session, visit: Visit) -> Site:
    site = db.get(Site, visit.site_id)
    assert site is not None
    return site


def available(db: Session, machine: service.Machine, slot: VendingSlot) -> int:
    """Cans left in ``slot`` once the open orders for it are set aside."""
    waiting = db.scalar(select(func.count()).where(
        DrinkOrder.machine_id == machine.row.id, DrinkOrder.slot == slot.slot,
        DrinkOrder.status == OPEN)) or 0
    return max(0, slot.count - int(waiting))


def menu(db: Session, machine: service.Machine) -> list[dict[str, object]]:
    """The machine's current menu: slots with a drink left for one more visitor."""
    return [{"slot": s.slot, "product": s.product, "name_en": s.name_en, "name_ja": s.name_ja,
             "left": n} for s in machine.slots if (n := available(db, machine, s)) > 0]


def quota_left(db: Session, visit: Visit) -> int:
    """How many free drinks the visit may still order (open orders hold theirs)."""
    policy = service.get_policy(db=db, site=_site_of(db, visit))
    held = db.scalar(select(func.count()).where(DrinkOrder.visit_id == visit.id,
                                                DrinkOrder.seat.is_not(None))) or 0
    return max(0, policy.drinks_per_visit - int(held))


# -- the offer -----------------------------------------------------------------------------
def offer_after_gate(*, db: Session, event: JourneyEvent) -> Outcome:
    """Offer a drink when a visit passes a gate with a machine on the way (once per visit,
    not in quiet hours, not when the quota is used or nothing is in stock)."""
    done = Outcome()
    visit = db.get(Visit, event.visit_id) if event.visit_id is not None else None
    device = db.scalar(select(Device).where(Device.name == str(event.data.get("device"))))
    if visit is None or device is None or device.kind == "vending":
        return done
    zone = db.get(Zone, device.zone_id)
    site = _site_of(db, visit)
    if zone is None or device.site_id != site.id:
        return done
    machines = service.list_machines(db=db, site=site, route_zone=zone.name)
    if not machines or db.scalar(select(DrinkOffer).where(DrinkOffer.visit_id == visit.id)):
        return done
    policy = service.get_policy(db=db, site=site)
    skip = ("quiet_hours" if service.in_quiet_hours(policy, event.at) else
            "quota_used" if quota_left(db, visit) == 0 else
            "no_stock" if not any(menu(db, m) for m in machines) else "")
    if skip:
        service.log(db=db, site_id=site.id, kind="not_offered", visit_id=visit.id,
                    event_id=f"not_offered:{event.key}", reason=skip, detail=device.name)
        return done
    try:
        with db.begin_nested():
            db.add(DrinkOffer(visit_id=visit.id, zone=zone.name))
    except IntegrityError:
        return done  # offered a moment ago (the same gate event heard twice)
    names = ", ".join(m.name for m in machines)
    service.log(db=db, site_id=site.id, kind="offered", visit_id=visit.id,
                event_id=f"offered:{visit.id}", detail=f"after {device.name}: {names}")
    done.add("drink_offered", f"drink_offered:{visit.id}", visit, site.code,
             machines=[m.name for m in machines], message_en=texts.OFFER[0],
             message_ja=texts.OFFER[1])
    return done


# -- orders --------------------------------------------------------------------------------
def _refuse(code: str, message: tuple[str, str]) -> Conflict:
    return Conflict(code, *message)


def expire_orders(*, db: Session, visit: Visit, now: datetime | None = None) -> Outcome:
    """Close the visit's open orders whose time ran out; their quota comes back."""
    done = Outcome()
    now = now or utcnow()
    for order in db.scalars(select(DrinkOrder).where(
            DrinkOrder.visit_id == visit.id, DrinkOrder.status == OPEN,
            DrinkOrder.expires_at < now)):
        machine = db.get(Device, _device_id(db, order))
        _fail(db, order, "expired", visit, machine.name if machine else "", done)
        done.commands.append((machine.name if machine else "",
                              msg.cancel_command(order.order_id)))
    return done


def _device_id(db: Session, order: DrinkOrder) -> int:
    row = db.get(VendingMachine, order.machine_id)
    assert row is not None
    return row.device_id


def place_order(*, db: Session, visitor_pass: VisitorPass, machine_name: str, slot: int,
                source: str = "phone") -> tuple[DrinkOrder, Outcome]:
    """Reserve one unit of the visit's quota and order ``slot`` at ``machine_name``.

    Conflict (bilingual) when there was no offer (phone orders), an order is already waiting,
    the quota is used or the drink is sold out; NotFound for a machine not on the way.
    """
    visit = db.get(Visit, visitor_pass.visit_id)
    assert visit is not None
    site = _site_of(db, visit)
    done = expire_orders(db=db, visit=visit)
    offer = db.scalar(select(DrinkOffer).where(DrinkOffer.visit_id == visit.id))
    if source == "phone" and offer is None:
        raise _refuse("no_offer", texts.NO_OFFER)
    machine = service.find_machine(db=db, name=machine_name)
    if (machine is None or machine.device.site_id != site.id
            or (offer is not None and source == "phone" and machine.row.route_zone != offer.zone)):
        raise NotFound("unknown_machine", *texts.NO_MACHINE)
    if db.scalar(select(DrinkOrder).where(DrinkOrder.visit_id == visit.id,
                                          DrinkOrder.status == OPEN)):
        raise _refuse("order_waiting", texts.ORDER_WAITING)
    policy = service.get_policy(db=db, site=site)
    taken = set(db.scalars(select(DrinkOrder.seat).where(DrinkOrder.visit_id == visit.id,
                                                         DrinkOrder.seat.is_not(None))))
    free = [s for s in range(1, policy.drinks_per_visit + 1) if s not in taken]
    if not free:
        raise _refuse("quota_used", texts.QUOTA_USED)
    chosen = next((s for s in machine.slots if s.slot == slot), None)
    if chosen is None or available(db, machine, chosen) <= 0:
        raise _refuse("out_of_stock", texts.SOLD_OUT)
    order = DrinkOrder(order_id=uuid.uuid4().hex, visit_id=visit.id,
                       pass_id=visitor_pass.pass_id, machine_id=machine.row.id, slot=slot,
                       product=chosen.product, name_en=chosen.name_en, name_ja=chosen.name_ja,
                       seat=free[0], status=OPEN, reason="", source=source,
                       expires_at=utcnow() + timedelta(minutes=policy.order_minutes))
    try:
        with db.begin_nested():
            db.add(order)
    except IntegrityError:  # another order took the same unit of quota a moment ago
        raise _refuse("quota_used", texts.QUOTA_USED) from None
    service.log(db=db, site_id=site.id, kind="ordered", machine=machine.name, visit_id=visit.id,
                order_id=order.order_id, event_id=f"ordered:{order.order_id}",
                detail=f"{order.product} (slot {slot}, {source})")
    command = msg.DrinkOrder(order_id=order.order_id, machine=machine.name,
                             pass_id=order.pass_id, visit_id=visit.id, slot=slot,
                             product=order.product, name_en=order.name_en,
                             name_ja=order.name_ja, expires=order.expires_at.timestamp())
    done.commands.append((machine.name, command.to_command()))
    done.add("drink_ordered", f"drink_ordered:{order.order_id}", visit, site.code,
             machine=machine.name, product=order.product, order_id=order.order_id)
    return order, done


def _fail(db: Session, order: DrinkOrder, reason: str, visit: Visit, machine: str,
          done: Outcome) -> None:
    order.status = "cancelled" if reason == "cancelled" else "failed"
    order.reason, order.seat, order.closed_at = reason, None, utcnow()  # quota comes back
    site = _site_of(db, visit)
    service.log(db=db, site_id=site.id, kind="failed", machine=machine, visit_id=visit.id,
                order_id=order.order_id, reason=reason, event_id=f"failed:{order.order_id}",
                detail=texts.FAILURES[reason][0])
    done.add("drink_failed", f"drink_failed:{order.order_id}", visit, site.code,
             machine=machine, order_id=order.order_id, reason=reason,
             message_en=texts.FAILURES[reason][0], message_ja=texts.FAILURES[reason][1])


def cancel_order(*, db: Session, visitor_pass: VisitorPass) -> Outcome:
    """The visitor withdraws the waiting order; its quota comes back at once."""
    visit = db.get(Visit, visitor_pass.visit_id)
    assert visit is not None
    order = db.scalar(select(DrinkOrder).where(DrinkOrder.visit_id == visit.id,
                                               DrinkOrder.status == OPEN))
    if order is None:
        raise Conflict("nothing_to_cancel", *texts.NOTHING_TO_CANCEL)
    done = Outcome()
    device = db.get(Device, _device_id(db, order))
    name = device.name if device else ""
    _fail(db, order, "cancelled", visit, name, done)
    done.commands.append((name, msg.cancel_command(order.order_id)))
    return done


# -- what machines report ------------------------------------------------------------------
def apply_vend(*, db: Session, machine: service.Machine, event: msg.VendEvent) -> Outcome:
    """Record a machine's vend event (once per id) and settle the order it names.

    The visit is the one of the pass row named by the (verified) pass id, never the visit id
    the machine sent.
    """
    done = Outcome()
    site_id = machine.device.site_id
    row = (db.scalar(select(VisitorPass).where(VisitorPass.pass_id == event.pass_id))
           if event.pass_id else None)
    visit = db.get(Visit, row.visit_id) if row else None
    if not service.log(db=db, site_id=site_id, kind=f"machine_{event.outcome}",
                       event_id=event.id, machine=machine.name,
                       visit_id=visit.id if visit else None, order_id=event.order_id,
                       reason=event.reason, detail=event.detail):
        return done  # heard before
    order = (db.scalar(select(DrinkOrder).where(DrinkOrder.order_id == event.order_id,
                                                DrinkOrder.machine_id == machine.row.id))
             if event.order_id else None)
    if event.outcome == "requested" and row is not None and event.slot is not None:
        return _button_request(db, machine, row, event.slot)
    if order is None or visit is None or order.pass_id != event.pass_id:
        return done
    site = _site_of(db, visit)
    if event.outcome == "served" and order.status != "served":
        if order.seat is None:  # served after the server gave up on it: it still counts
            taken = set(db.scalars(select(DrinkOrder.seat).where(
                DrinkOrder.visit_id == visit.id, DrinkOrder.seat.is_not(None))))
            order.seat = next((s for s in range(1, 100) if s not in taken), None)
        order.status, order.reason, order.closed_at = "served", "", utcnow()
        service.log(db=db, site_id=site_id, kind="served", machine=machine.name,
                    visit_id=visit.id, order_id=order.order_id,
                    event_id=f"served:{order.order_id}", detail=order.product)
        done.add("drink_served", f"drink_served:{order.order_id}", visit, site.code,
                 machine=machine.name, product=order.product, order_id=order.order_id,
                 message_en=texts.SERVED[0], message_ja=texts.SERVED[1])
    elif event.outcome in FAILED_OUTCOMES and order.status == OPEN:
        _fail(db, order, event.outcome, visit, machine.name, done)
    return done


def _button_request(db: Session, machine: service.Machine, row: VisitorPass,
                    slot: int) -> Outcome:
    """A visitor chose on the machine's buttons: order it, or tell the machine why not."""
    try:
        with db.begin_nested():
            _order, done = place_order(db=db, visitor_pass=row, machine_name=machine.name,
                                       slot=slot, source="buttons")
    except OfficeGateError as exc:
        done = Outcome()
        done.commands.append((machine.name, msg.refuse_command(row.pass_id, exc.message_en,
                                                               exc.message_ja)))
    return done

