"""The same pass accepted at two different doors within one code period: a copied code.

Each edge's ReplayGuard catches a code shown twice at *its* door; only the server sees every
door. A rotating code is good for one period (10 s) and a person cannot be at two doors in
that time, so two acceptances of one pass at two devices that close together are flagged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol.decision import Reason
from officegate.protocol.messages import AccessEvent
from officegate.server.access.models import AccessEventRecord
from officegate.server.alerts import service as alerts

WINDOW = timedelta(seconds=10)  # the rotating code's period


def flag_copied_code(*, db: Session, event: AccessEvent) -> str | None:
    """Raise a "code_replayed" alert if ``event``'s pass was accepted at another device
    within the window; returns that other device's name (None when nothing is wrong)."""
    if event.reason != Reason.ACCEPTED.value or not event.pass_id or event.kind != "access":
        return None
    at = datetime.fromtimestamp(event.at, UTC)
    other = db.scalar(select(AccessEventRecord.device).where(
        AccessEventRecord.pass_id == event.pass_id.lower(),
        AccessEventRecord.reason == Reason.ACCEPTED.value,
        AccessEventRecord.device != event.device,
        AccessEventRecord.at > at - WINDOW, AccessEventRecord.at < at + WINDOW).limit(1))
    if other is None:
        return None
    alerts.raise_alert(db=db, site=event.site, kind="code_replayed", device=event.device,
                       detail=f"pass {event.pass_id} accepted at {other} and {event.device} "
                       f"within {WINDOW.seconds} s (visit {event.visit_id})")
    return other


def flag_copied_codes(*, db: Session, events: list[AccessEvent]) -> int:
    """:func:`flag_copied_code` for a batch with one query; returns how many were flagged."""
    candidates = [e for e in events if e.reason == Reason.ACCEPTED.value and e.pass_id
                  and e.kind == "access"]
    if not candidates:
        return 0
    pass_ids = {e.pass_id.lower() for e in candidates if e.pass_id}
    earliest = datetime.fromtimestamp(min(e.at for e in candidates), UTC) - WINDOW
    latest = datetime.fromtimestamp(max(e.at for e in candidates), UTC) + WINDOW
    seen: dict[str, list[tuple[str, datetime]]] = {}
    for pass_id, device, at in db.execute(select(
            AccessEventRecord.pass_id, AccessEventRecord.device, AccessEventRecord.at).where(
            AccessEventRecord.pass_id.in_(pass_ids),
            AccessEventRecord.reason == Reason.ACCEPTED.value,
            AccessEventRecord.at > earliest, AccessEventRecord.at < latest)):
        if pass_id is not None:  # the IN (...) filter guarantees it; this tells mypy
            seen.setdefault(pass_id, []).append((device, at))
    flagged: set[str] = set()
    for event in candidates:
        if (event.pass_id or "").lower() in flagged:
            continue  # both sightings in one batch: one alert, as when they come one by one
        at = datetime.fromtimestamp(event.at, UTC)
        others = [d for d, t in seen.get((event.pass_id or "").lower(), [])
                  if d != event.device and abs(t - at) < WINDOW]
        if others:
            alerts.raise_alert(db=db, site=event.site, kind="code_replayed", device=event.device,
                               detail=f"pass {event.pass_id} accepted at {others[0]} and "
                               f"{event.device} within {WINDOW.seconds} s (visit {event.visit_id})")
            flagged.add((event.pass_id or "").lower())
    return len(flagged)
