"""A door's own rules, set by staff and published in its retained DeviceConfig:
opening hours with holiday exceptions, fail mode on power loss, anti-passback side/group."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.protocol import door_schedule
from officegate.server.devices.models import Device, DoorProfile
from officegate.server.errors import InvalidInput

FAIL_MODES = ("secure", "safe")
SIDES = ("entry", "exit")


@dataclass(frozen=True, slots=True)
class DoorRules:
    """A door's rules as plain values (the defaults when it has no profile row)."""

    timezone: str = "UTC"
    opening_hours: dict[str, list[list[str]]] | None = None
    holidays: dict[str, list[list[str]]] | None = None
    fail_mode: str = "secure"
    side: str | None = None
    anti_passback_group: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (holidays never null)."""
        return {"timezone": self.timezone, "opening_hours": self.opening_hours,
                "holidays": self.holidays or {}, "fail_mode": self.fail_mode,
                "side": self.side, "anti_passback_group": self.anti_passback_group}


def rules_of(*, db: Session, device: Device) -> DoorRules:
    """The door's rules (defaults when none were set)."""
    row = db.get(DoorProfile, device.id)
    if row is None:
        return DoorRules()
    return DoorRules(
        timezone=row.timezone,
        opening_hours=json.loads(row.opening_hours) if row.opening_hours else None,
        holidays=json.loads(row.holidays or "{}"), fail_mode=row.fail_mode, side=row.side,
        anti_passback_group=row.anti_passback_group)


def set_rules(*, db: Session, device: Device, changes: dict[str, Any]) -> DoorRules:
    """Change some of a door's rules (keys of ``changes``); bumps its config version.

    Every value is validated as the edge will (InvalidInput with the field otherwise)."""
    if device.kind not in ("gate", "door"):
        raise InvalidInput("not_a_door", f"{device.name} is a {device.kind}, not a door",
                           f"{device.name} はドアやゲートではありません")
    current = rules_of(db=db, device=device).as_dict()
    current.update(changes)
    try:
        timezone = door_schedule.check_timezone(current["timezone"])
        hours = door_schedule.check_opening_hours(current["opening_hours"])
        holidays = door_schedule.check_holidays(current["holidays"] or {})
    except ValueError as exc:
        raise InvalidInput("bad_schedule", str(exc), f"営業時間の設定が不正です: {exc}") from None
    if current["fail_mode"] not in FAIL_MODES:
        raise InvalidInput("bad_fail_mode", "fail_mode must be secure or safe",
                           "fail_mode は secure か safe です")
    if current["side"] is not None and current["side"] not in SIDES:
        raise InvalidInput("bad_side", "side must be entry, exit or null",
                           "side は entry, exit, null のいずれかです")
    group = current["anti_passback_group"] or None
    if group is not None and (not isinstance(group, str) or len(group) > 64):
        raise InvalidInput("bad_group", "anti_passback_group must be up to 64 chars",
                           "anti_passback_group は64文字までです")
    if group is not None and current["side"] is None:
        raise InvalidInput("side_needed", "an anti-passback gate needs a side (entry or exit)",
                           "アンチパスバックには side (entry/exit) が必要です")
    row = db.get(DoorProfile, device.id)
    if row is None:
        row = DoorProfile(device_id=device.id)
        db.add(row)
    row.timezone = timezone
    row.opening_hours = json.dumps(hours) if hours is not None else None
    row.holidays = json.dumps(holidays)
    row.fail_mode = current["fail_mode"]
    row.side = current["side"]
    row.anti_passback_group = group
    device.config_version += 1
    db.flush()
    return rules_of(db=db, device=device)


def group_devices(*, db: Session, group: str) -> list[tuple[str, str | None]]:
    """(device name, side) of every gate in an anti-passback group."""
    rows = db.execute(select(Device.name, DoorProfile.side)
                      .join(DoorProfile, DoorProfile.device_id == Device.id)
                      .where(DoorProfile.anti_passback_group == group)
                      .order_by(Device.name)).all()
    return [(name, side) for name, side in rows]


def _runs(opening_hours: dict[str, list[list[str]]]) -> list[str]:
    """"mon-fri 09:00-18:00"-style text, one item per run of days with the same hours."""
    runs: list[tuple[str, str, str]] = []  # first day, last day, spans text
    for day in door_schedule.WEEKDAYS:
        spans = " ".join(f"{a}-{b}" for a, b in opening_hours.get(day, []))
        if runs and runs[-1][2] == spans and spans and runs[-1][1] == _previous(day):
            runs[-1] = (runs[-1][0], day, spans)
        elif spans:
            runs.append((day, day, spans))
    return [f"{a if a == b else f'{a}-{b}'} {spans}" for a, b, spans in runs]


def _previous(day: str) -> str:
    days = door_schedule.WEEKDAYS
    return days[days.index(day) - 1]


def summary(rules: DoorRules) -> str:
    """One line for the devices page: "mon-fri 09:00-18:00, sat 10:00-14:00 (Asia/Tokyo);
    2 holidays" (consecutive days with the same hours are joined)."""
    holidays = len(rules.holidays or {})
    tail = f"; {holidays} holiday{'s' if holidays != 1 else ''}" if holidays else ""
    if rules.opening_hours is None:
        return "always" + tail
    hours = ", ".join(_runs(rules.opening_hours))
    return f"{hours or 'closed'} ({rules.timezone})" + tail


def _day_range(text: str) -> list[str]:
    days = door_schedule.WEEKDAYS
    first, _, last = text.partition("-")
    if first not in days or (last and last not in days):
        raise InvalidInput("bad_schedule", f"{text[:20]!r} is not a weekday or range like mon-fri",
                           f"{text[:20]!r} は曜日 (mon-fri など) ではありません")
    a, b = days.index(first), days.index(last or first)
    return list(days[a:b + 1]) if a <= b else list(days[a:] + days[:b + 1])


def _spans(words: list[str]) -> list[list[str]]:
    spans = []
    for word in words:
        start, sep, end = word.partition("-")
        if not sep:
            raise InvalidInput("bad_schedule", f"{word[:20]!r} is not a span like 09:00-18:00",
                               f"{word[:20]!r} は 09:00-18:00 の形ではありません")
        spans.append([start, end])
    return spans


def parse_page_form(hours: str, holidays: str) -> dict[str, Any]:
    """The devices page's text form: hours lines like "mon-fri 09:00-18:00" (empty = always
    open, "closed" = never), holiday lines like "2026-12-31" (closed) or
    "2026-12-30 09:00-12:00"."""
    opening: dict[str, list[list[str]]] | None = None
    if hours.strip().lower() == "closed":
        hours, opening = "", {}
    for line in filter(None, (raw.split() for raw in hours.strip().splitlines())):
        opening = opening if opening is not None else {}
        for day in _day_range(line[0].lower()):
            opening[day] = opening.get(day, []) + _spans(line[1:])
    dates = {line[0]: _spans(line[1:])
             for line in filter(None, (raw.split() for raw in holidays.strip().splitlines()))}
    return {"opening_hours": opening, "holidays": dates}


def page_form_text(rules: DoorRules) -> tuple[str, str]:
    """The rules as the page form's (hours, holidays) text, for editing."""
    hours = "\n".join(_runs(rules.opening_hours or {}))
    if rules.opening_hours is not None and not hours:
        hours = "closed"  # not "", which would mean "always open"
    holidays = "\n".join(" ".join([day, *(f"{a}-{b}" for a, b in spans)])
                         for day, spans in sorted((rules.holidays or {}).items()))
    return hours, holidays
