"""Anti-passback reconciled at the server: who is inside each group of entry/exit gates.

Each gate decides alone (it keeps its own record on disk); the server sees the accepted
entries and exits of every gate of a group, keeps who is inside, tells the other gates of
the group (a ``passback`` command), and raises an ``anti_passback`` alert when a pass
entered twice without leaving (two gates that could not hear each other, e.g. offline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import Reason
from officegate.protocol.messages import AccessEvent
from officegate.server.access.models import PassbackPresence
from officegate.server.alerts import service as alerts
from officegate.server.devices.models import Device, DoorProfile

Command = tuple[str, dict[str, Any]]


def _gates(db: Session, names: set[str]) -> dict[str, tuple[str, str]]:
    """device name -> (group, side) for the devices in ``names`` that are in a group."""
    rows = db.execute(select(Device.name, DoorProfile.anti_passback_group, DoorProfile.side)
                      .join(DoorProfile, DoorProfile.device_id == Device.id)
                      .where(Device.name.in_(names),
                             DoorProfile.anti_passback_group.is_not(None),
                             DoorProfile.side.is_not(None))).all()
    return {name: (group, side) for name, group, side in rows if group and side}


def _members(db: Session, group: str) -> list[str]:
    return list(db.scalars(select(Device.name)
                           .join(DoorProfile, DoorProfile.device_id == Device.id)
                           .where(DoorProfile.anti_passback_group == group)
                           .order_by(Device.name)))


def reconcile(*, db: Session, events: list[AccessEvent]) -> list[Command]:
    """Update who is inside from newly stored events; returns the commands to send (after
    commit) so the other gates of each group learn of the entries and exits."""
    passes = [e for e in events if e.kind == "access" and e.pass_id
              and e.reason == Reason.ACCEPTED.value]
    if not passes:
        return []
    gates = _gates(db, {e.device for e in passes})
    news: dict[str, dict[str, list[list[Any]]]] = {}  # group -> entered/exited
    origin: dict[str, set[str]] = {}
    for event in sorted(passes, key=lambda e: e.at):
        if event.device not in gates or event.pass_id is None:
            continue
        group, side = gates[event.device]
        pass_id = event.pass_id.lower()
        at = datetime.fromtimestamp(event.at, UTC)
        row = db.get(PassbackPresence, (group, pass_id))
        if row is not None and row.at > at:
            continue  # an older event arriving late (an outbox draining): already superseded
        if side == "entry" and row is not None and row.inside:
            alerts.raise_alert(db=db, site=event.site, kind="anti_passback", device=event.device,
                               detail=f"pass {pass_id} entered again at {event.device} "
                               f"without leaving (last entry at {row.device})")
        if row is None:
            row = PassbackPresence(group_name=group, pass_id=pass_id, inside=False, at=at,
                                   device=event.device)
            db.add(row)
        row.inside, row.at, row.device = side == "entry", at, event.device
        bucket = news.setdefault(group, {"entered": [], "exited": []})
        bucket["entered" if side == "entry" else "exited"].append([pass_id, event.at])
        origin.setdefault(group, set()).add(event.device)
    db.flush()
    commands: list[Command] = []
    for group, bucket in news.items():
        for name in _members(db, group):
            # The gate that decided already knows; tell it anyway when another gate also
            # reported in this batch (cheap, and keeps every gate's record the same).
            if origin[group] == {name}:
                continue
            commands.append((name, {"command": "passback", **bucket}))
    return commands


def inside(*, db: Session, group: str) -> list[str]:
    """Pass ids the server believes are inside ``group`` now."""
    return list(db.scalars(select(PassbackPresence.pass_id).where(
        PassbackPresence.group_name == group, PassbackPresence.inside.is_(True))
        .order_by(PassbackPresence.pass_id)))


def full_state(*, db: Session, site_devices: list[str]) -> list[Command]:
    """A ``passback`` command for each gate in a group among ``site_devices``, carrying the
    group's whole record (sent when the server connects: a gate that missed commands while
    offline catches up; each gate keeps whichever of its own and the server's is newer)."""
    gates = _gates(db, set(site_devices))
    commands: list[Command] = []
    for name, (group, _side) in sorted(gates.items()):
        rows = db.scalars(select(PassbackPresence).where(PassbackPresence.group_name == group))
        entered: list[list[Any]] = []
        exited: list[list[Any]] = []
        for row in rows:
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
            (entered if row.inside else exited).append([row.pass_id, at.timestamp()])
        commands.append((name, {"command": "passback", "entered": entered, "exited": exited}))
    return commands
