"""Drink routes: the pass page's drink API, the staff API and the staff page.

The vending MQTT link runs in the server runtime (runtime.py); routes hand it what to send.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from officegate.server.audit import service as audit
from officegate.server.auth.models import Role, User
from officegate.server.console.lang import page_context
from officegate.server.deps import AdminUser, SessionDep, StaffUser, StateDep, require_page_role
from officegate.server.sites import service as sites
from officegate.server.vending import drinks, service, visitor
from officegate.server.vending.link import VendingLink
from officegate.server.vending.schemas import (
    DrinkStatusOut,
    FiguresOut,
    MachineIn,
    MachineOut,
    OrderIn,
    PolicyIn,
    PolicyOut,
    SlotOut,
)
from officegate.server.visits.holder import HolderOnly

router = APIRouter()
# Facility staff only: the log names visits, and hosts have no business with stock.
VendingPageUser = Annotated[User, Depends(require_page_role(Role.ADMIN, Role.STAFF))]


def _deliver(request: Request, outcome: drinks.Outcome) -> None:
    runtime = request.app.state.officegate.runtime
    link: VendingLink | None = runtime.vending if runtime is not None else None
    if link is not None:
        link.deliver(outcome)


# -- the visitor's pass page ---------------------------------------------------------------
@router.get("/api/p/{token}/drink", response_model=DrinkStatusOut, tags=["vending"],
            dependencies=[HolderOnly])
def drink_status(token: str, request: Request, db: SessionDep) -> DrinkStatusOut:
    """The drink offer with menus, the newest order and the free drinks left."""
    row = visitor.usable_pass(db=db, token=token)
    out, outcome = visitor.drink_status(db=db, visitor_pass=row)
    db.commit()
    _deliver(request, outcome)
    return out


@router.post("/api/p/{token}/drink/order", response_model=DrinkStatusOut, status_code=201,
             tags=["vending"], dependencies=[HolderOnly])
def order_drink(token: str, body: OrderIn, request: Request, db: SessionDep) -> DrinkStatusOut:
    """Order a drink at a machine on the way; the machine serves it when the pass is shown."""
    row = visitor.usable_pass(db=db, token=token)
    _order, outcome = drinks.place_order(db=db, visitor_pass=row, machine_name=body.machine,
                                         slot=body.slot)
    out, more = visitor.drink_status(db=db, visitor_pass=row)
    db.commit()  # the machine hears of the order only once it is stored
    _deliver(request, outcome)
    _deliver(request, more)
    return out


@router.post("/api/p/{token}/drink/cancel", response_model=DrinkStatusOut, tags=["vending"],
             dependencies=[HolderOnly])
def cancel_drink(token: str, request: Request, db: SessionDep) -> DrinkStatusOut:
    """Withdraw the waiting order (the free drink can be ordered again)."""
    row = visitor.usable_pass(db=db, token=token)
    outcome = drinks.cancel_order(db=db, visitor_pass=row)
    out, more = visitor.drink_status(db=db, visitor_pass=row)
    db.commit()
    _deliver(request, outcome)
    _deliver(request, more)
    return out


# -- staff ---------------------------------------------------------------------------------
def _machines_out(db: SessionDep, state: StateDep) -> list[MachineOut]:
    site = sites.get_site(db=db, code=state.settings.site)
    return [MachineOut(machine=m.name, route_zone=m.row.route_zone, label_en=m.row.label_en,
                       label_ja=m.row.label_ja, status=m.device.status,
                       slots=[SlotOut(slot=s.slot, product=s.product, name_en=s.name_en,
                                      name_ja=s.name_ja, count=s.count) for s in m.slots])
            for m in service.list_machines(db=db, site=site)]


@router.get("/api/vending/machines", response_model=list[MachineOut], tags=["vending"])
def list_machines(db: SessionDep, state: StateDep, _user: StaffUser) -> list[MachineOut]:
    """Every machine of the site with its status and stock (staff)."""
    return _machines_out(db, state)


@router.post("/api/vending/machines", response_model=MachineOut, status_code=201,
             tags=["vending"])
def add_machine(body: MachineIn, request: Request, db: SessionDep, state: StateDep,
                user: AdminUser) -> MachineOut:
    """Make a registered vending device part of the drink service (admin)."""
    site = sites.get_site(db=db, code=state.settings.site)
    m = service.add_machine(db=db, site=site, device_name=body.device,
                            route_zone=body.route_zone, label_en=body.label_en,
                            label_ja=body.label_ja)
    out = MachineOut(machine=m.name, route_zone=m.row.route_zone, label_en=m.row.label_en,
                     label_ja=m.row.label_ja, status=m.device.status, slots=[])
    audit.record(db, who=audit.actor_of(request, user), action="vending.machine_add",
                 target=f"device:{m.name}", after=audit.snapshot(body))
    return out


@router.get("/api/vending/policy", response_model=PolicyOut, tags=["vending"])
def get_policy(db: SessionDep, state: StateDep, _user: StaffUser) -> PolicyOut:
    """The site's drink policy."""
    policy = service.get_policy(db=db, site=sites.get_site(db=db, code=state.settings.site))
    return PolicyOut.model_validate(policy, from_attributes=True)


@router.put("/api/vending/policy", response_model=PolicyOut, tags=["vending"])
def set_policy(body: PolicyIn, request: Request, db: SessionDep, state: StateDep,
               user: AdminUser) -> PolicyOut:
    """Change drinks per visit, quiet hours and how long an order waits (admin)."""
    site = sites.get_site(db=db, code=state.settings.site)
    before = PolicyOut.model_validate(service.get_policy(db=db, site=site),
                                      from_attributes=True).model_dump(mode="json")
    policy = service.set_policy(db=db, site=site, **body.model_dump())
    out = PolicyOut.model_validate(policy, from_attributes=True)
    audit.record(db, who=audit.actor_of(request, user), action="settings.vending",
                 target=f"site:{site.code}", before=before, after=out.model_dump(mode="json"))
    return out


@router.get("/api/vending/figures", response_model=FiguresOut, tags=["vending"])
def figures(db: SessionDep, state: StateDep, _user: StaffUser) -> FiguresOut:
    """Offer -> order -> served conversion (visits), and failures."""
    site = sites.get_site(db=db, code=state.settings.site)
    return FiguresOut(**service.conversion(db=db, site=site))


@router.get("/staff/vending", response_class=HTMLResponse, include_in_schema=False)
def vending_page(request: Request, db: SessionDep, state: StateDep,
                 user: VendingPageUser) -> Response:
    """Machines with stock, the conversion figures and the vending log."""
    site = sites.get_site(db=db, code=state.settings.site)
    numbers = service.conversion(db=db, site=site)
    return state.templates.TemplateResponse(request, "vending_staff.html", page_context(
        request, user, machines=_machines_out(db, state), figures=numbers,
        log=service.recent_log(db=db, site=site), policy=service.get_policy(db=db, site=site)))
