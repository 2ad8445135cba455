"""Staff commands to doors: remote unlock, site-wide lockdown and emergency unlock.

Every command is checked against policy, logged with who gave it (an alert row and the
service log), and sent over MQTT: one-off commands on ``.../cmd``, modes as the retained
device config (so an edge that was offline picks the mode up when it reconnects).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from officegate.server.alerts import service as alerts
from officegate.server.auth.models import User
from officegate.server.devices import service as devices
from officegate.server.devices.models import Device
from officegate.server.errors import Conflict, InvalidInput

UNLOCKABLE = ("gate", "door")
SITE_MODES = {"lockdown": "locked", "emergency_unlock": "unlocked", "normal": "normal"}


def remote_unlock(*, db: Session, name: str, user: User | None, site: str,
                  pulse_ms: int | None = None, by: str | None = None) -> Device:
    """Check and log a remote unlock of one door; the caller sends the command after commit.

    Refused for a vending machine, and for a door in lockdown (lift the lockdown first, so
    nobody opens a door one by one during an incident). ``by`` names a non-human caller
    (Home Assistant) when there is no ``user``.
    """
    device = devices.get_device(db=db, name=name)
    if device.kind not in UNLOCKABLE:
        raise InvalidInput("not_a_door", f"{name} is a {device.kind}, not a door or gate",
                           f"{name} はドアやゲートではありません")
    if device.mode == "locked":
        raise Conflict("locked_down", f"{name} is locked down; lift the lockdown first",
                       f"{name} はロックダウン中です。先に解除してください")
    if pulse_ms is not None and not 50 <= pulse_ms <= 30_000:
        raise InvalidInput("bad_pulse", "pulse_ms must be 50 to 30000",
                           "pulse_ms は 50〜30000 です")
    alerts.raise_alert(db=db, site=site, kind="remote_unlock", device=name,
                       detail=f"remote unlock ({device.status})",
                       by_user=user.email if user is not None else by)
    return device


def set_site_mode(*, db: Session, site: str, action: str, user: User) -> list[str]:
    """Lockdown ("locked"), emergency unlock ("unlocked") or back to normal, for every gate
    and door of ``site``; returns the device names whose config must be republished."""
    if action not in SITE_MODES:
        raise InvalidInput("bad_action", f"action must be one of {sorted(SITE_MODES)}",
                           "操作は lockdown, emergency_unlock, normal のいずれかです")
    names = []
    for device in devices.list_devices(db=db, site=site):
        if device.kind in UNLOCKABLE:
            devices.set_mode(db=db, name=device.name, mode=SITE_MODES[action])
            names.append(device.name)
    if action != "normal":
        alerts.raise_alert(db=db, site=site, kind=action, detail=f"{len(names)} doors",
                           by_user=user.email)
    else:
        alerts.resolve_device_alerts(db=db, device="", kind="lockdown")
        alerts.raise_alert(db=db, site=site, kind="mode_change",
                           detail=f"{len(names)} doors back to normal", by_user=user.email)
    return names
