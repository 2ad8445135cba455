"""Device API: register and list devices, change a device's mode."""

from __future__ import annotations

from fastapi import APIRouter, Request

from officegate.server.alerts import service as alerts
from officegate.server.audit import service as audit
from officegate.server.deps import AdminUser, SessionDep, StaffUser, StateDep
from officegate.server.devices import profiles, service
from officegate.server.devices.schemas import DeviceIn, DeviceModeIn, DeviceOut, DoorRulesIn

router = APIRouter(prefix="/api/devices", tags=["devices"])


@router.get("", response_model=list[DeviceOut])
def list_devices(db: SessionDep, state: StateDep, _user: StaffUser) -> list[DeviceOut]:
    """Every device of this site with its online status."""
    return [service.device_out(db=db, device=d)
            for d in service.list_devices(db=db, site=state.settings.site)]


@router.post("", response_model=DeviceOut, status_code=201)
def create_device(body: DeviceIn, request: Request, db: SessionDep, state: StateDep,
                  user: AdminUser) -> DeviceOut:
    """Register a device (admin); its config is published retained at once."""
    device = service.create_device(db=db, name=body.name, kind=body.kind, zone=body.zone,
                                   site=state.settings.site, allow_static=body.allow_static,
                                   relay_pulse_ms=body.relay_pulse_ms)
    out = service.device_out(db=db, device=device)
    audit.record(db, who=audit.actor_of(request, user), action="device.add",
                 target=f"device:{device.name}", after=audit.snapshot(body))
    db.commit()  # publish only what is committed
    if state.bridge is not None:
        state.bridge.publish_device_config(device.name)
    return out


@router.post("/{name}/mode", response_model=DeviceOut)
def set_mode(name: str, body: DeviceModeIn, request: Request, db: SessionDep,
             state: StateDep, user: StaffUser) -> DeviceOut:
    """Switch a device to normal, locked or unlocked (staff; in the access log and the audit
    log with who); republishes its config."""
    before = service.get_device(db=db, name=name).mode
    device = service.set_mode(db=db, name=name, mode=body.mode)
    alerts.raise_alert(db=db, site=state.settings.site, kind="mode_change", device=device.name,
                       detail=f"mode {body.mode}", by_user=user.email)
    audit.record(db, who=audit.actor_of(request, user), action="device.mode",
                 target=f"device:{device.name}", before={"mode": before},
                 after={"mode": device.mode})
    out = service.device_out(db=db, device=device)
    db.commit()
    if state.bridge is not None:
        state.bridge.publish_device_config(device.name)
    return out


@router.patch("/{name}/rules", response_model=DeviceOut)
def set_rules(name: str, body: DoorRulesIn, request: Request, db: SessionDep,
              state: StateDep, user: StaffUser) -> DeviceOut:
    """Set a door's opening hours, holidays, fail mode or anti-passback (staff); only the
    fields sent change (send ``"opening_hours": null`` to remove the schedule). The door
    gets its new config at once and keeps it for offline decisions."""
    device = service.get_device(db=db, name=name)
    before = audit.snapshot(profiles.rules_of(db=db, device=device))
    after = profiles.set_rules(db=db, device=device, changes=body.model_dump(exclude_unset=True))
    audit.record(db, who=audit.actor_of(request, user), action="device.rules",
                 target=f"device:{device.name}", before=before, after=audit.snapshot(after))
    out = service.device_out(db=db, device=device)
    db.commit()
    if state.bridge is not None:
        state.bridge.publish_device_config(device.name)
    return out
