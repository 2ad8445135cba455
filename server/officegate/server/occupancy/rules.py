"""Occupancy rules as pure functions over a list of room signals and a given "now".

No database, no clock: the service feeds stored RoomEvents in, tests feed made-up ones, and
both get the same answers. Signals:

- ``entry``  an accepted pass at the room door (``who`` = the pass subject)
- ``exit``   the exit button or the door sensor (anonymous unless an exit reader saw a pass)
- ``motion`` the PIR saw movement; ``still`` the PIR saw none for its hold time
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

NO_SHOW_AFTER = timedelta(minutes=10)
EARLY = timedelta(minutes=15)  # people may walk in this long before the start


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing a room's devices noticed."""

    kind: str  # entry | exit | motion | still
    at: datetime
    who: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """Someone (pass subject) went into the room at ``at``."""

    who: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MeetingOccupancy:
    """What really happened to one booked meeting, as far as ``now``."""

    state: str  # upcoming | waiting | in_progress | ended | no_show
    actual_start: datetime | None
    actual_end: datetime | None
    entries: tuple[Entry, ...]
    inside: tuple[str, ...]  # subjects believed inside now
    inside_count: int
    peak: int
    late_start: timedelta | None
    overrun: timedelta | None
    no_show: bool


@dataclass
class _Room:
    count: int = 0
    moving: bool = False
    inside: list[str] = field(default_factory=list)

    @property
    def occupied(self) -> bool:
        return self.count > 0 or self.moving


def _replay(signals: Iterable[Signal]) -> list[tuple[Signal, _Room, bool, bool]]:
    """Apply signals in time order; yields (signal, room after, occupied before, after)."""
    room = _Room()
    out = []
    for signal in sorted(signals, key=lambda s: s.at):
        before = room.occupied
        if signal.kind == "entry":
            room.count += 1
            if signal.who and signal.who not in room.inside:
                room.inside.append(signal.who)
        elif signal.kind == "exit":
            room.count = max(0, room.count - 1)
            if signal.who in room.inside:
                room.inside.remove(signal.who)
            elif room.inside and room.count < len(room.inside):
                room.inside.pop(0)  # anonymous exit: we no longer know the earliest is in
            if room.count == 0:
                room.moving = False  # the last one left: motion has gone with them
        elif signal.kind == "motion":
            room.moving = True
        elif signal.kind == "still":
            room.moving = False
            room.count = 0  # nobody moved for the PIR's hold time: the room is empty
            room.inside.clear()
        out.append((signal, _Room(room.count, room.moving, list(room.inside)), before,
                    room.occupied))
    return out


def meeting_occupancy(
    signals: Sequence[Signal], *, starts_at: datetime, ends_at: datetime, now: datetime,
    no_show_after: timedelta = NO_SHOW_AFTER, early: timedelta = EARLY,
) -> MeetingOccupancy:
    """Occupancy of a meeting from the room's ``signals`` up to ``now``.

    Only signals from ``starts_at - early`` on count (the caller clips the far end at the
    next meeting's early window). Actual start = the first entry (or motion, for people who
    came in behind someone); actual end = the room becoming vacant for good after it.
    No-show = nothing (no entry, no motion) between ``starts_at - early`` and
    ``starts_at + no_show_after``, judged once ``now`` has passed that point.
    """
    window = [s for s in signals if starts_at - early <= s.at <= now]
    steps = _replay(window)
    start: datetime | None = None
    end: datetime | None = None
    peak = 0
    entries: list[Entry] = []
    for signal, room, before, after in steps:
        if signal.kind == "entry" and signal.who:
            entries.append(Entry(signal.who, signal.at))
        if start is None and signal.kind in ("entry", "motion"):
            start = signal.at
        peak = max(peak, room.count)
        if start is not None and before and not after:
            end = signal.at
        elif after:
            end = None
    last = steps[-1][1] if steps else _Room()
    deadline = starts_at + no_show_after
    no_show = start is None and now >= deadline
    if start is not None and start > deadline and not entries:
        no_show = True  # motion long after the release belongs to whoever took the room
    if no_show:
        state = "no_show"
    elif start is None:
        state = "upcoming" if now < starts_at else "waiting"
    elif end is None:
        state = "in_progress"
    else:
        state = "ended"
    late = max(start - starts_at, timedelta(0)) if start is not None and not no_show else None
    overrun = None
    if start is not None and not no_show:
        finish = end if end is not None else now
        overrun = max(finish - ends_at, timedelta(0))
    return MeetingOccupancy(
        state=state, actual_start=None if no_show else start,
        actual_end=None if no_show else end, entries=tuple(entries),
        inside=tuple(last.inside) if last.occupied else (), inside_count=last.count,
        peak=max(peak, 1 if start is not None and not no_show else 0), late_start=late,
        overrun=overrun, no_show=no_show,
    )


def inside_now(signals: Sequence[Signal]) -> tuple[int, bool]:
    """(people counted inside, whether the room is occupied) after all of ``signals``.

    Occupied may be true with nobody counted: the PIR saw someone who came in behind another.
    """
    steps = _replay(signals)
    last = steps[-1][1] if steps else _Room()
    return last.count, last.occupied


def occupied_spans(signals: Sequence[Signal], *, until: datetime
                   ) -> list[tuple[datetime, datetime]]:
    """The periods the room was in use (occupied) according to ``signals``, up to ``until``."""
    spans: list[tuple[datetime, datetime]] = []
    began: datetime | None = None
    for signal, _room, before, after in _replay([s for s in signals if s.at <= until]):
        if not before and after:
            began = signal.at
        elif before and not after and began is not None:
            spans.append((began, signal.at))
            began = None
    if began is not None:
        spans.append((began, until))
    return spans


def walk_ins(spans: Sequence[tuple[datetime, datetime]],
             booked: Sequence[tuple[datetime, datetime]], *, early: timedelta = EARLY
             ) -> list[tuple[datetime, datetime]]:
    """Occupied spans that overlap no booking (with its early window): walk-in use."""
    return [(a, b) for a, b in spans
            if not any(a < end and b > start - early for start, end in booked)]


@dataclass(frozen=True, slots=True)
class DayFigures:
    """What room-booking products report for one room and day."""

    booked_hours: float
    used_hours: float
    utilisation: float | None  # used / booked
    meetings: int
    no_shows: int
    no_show_rate: float | None
    average_late_start_minutes: float | None
    peak_occupancy: int


def day_figures(booked: Sequence[tuple[datetime, datetime, MeetingOccupancy]]
                ) -> DayFigures:
    """Figures over the day's (non-cancelled) meetings: (scheduled start, end, occupancy)."""
    booked_s = sum((end - start).total_seconds() for start, end, _ in booked)
    used_s = 0.0
    lates: list[float] = []
    decided = [occ for _s, _e, occ in booked if occ.state not in ("upcoming", "waiting")]
    for _start, _end, occ in booked:
        if occ.actual_start is not None and occ.actual_end is not None:
            used_s += (occ.actual_end - occ.actual_start).total_seconds()
        if occ.late_start is not None:
            lates.append(occ.late_start.total_seconds() / 60)
    no_shows = sum(1 for occ in decided if occ.no_show)
    return DayFigures(
        booked_hours=round(booked_s / 3600, 2), used_hours=round(used_s / 3600, 2),
        utilisation=round(used_s / booked_s, 3) if booked_s else None,
        meetings=len(booked), no_shows=no_shows,
        no_show_rate=round(no_shows / len(decided), 3) if decided else None,
        average_late_start_minutes=round(sum(lates) / len(lates), 1) if lates else None,
        peak_occupancy=max((occ.peak for _s, _e, occ in booked), default=0),
    )
