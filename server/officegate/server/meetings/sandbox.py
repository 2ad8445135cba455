"""Calendar files parsed in a child process with a time and a memory budget.

A calendar comes from outside (an upload, a feed); how long its recurrence rules take to
expand is only known by expanding them. The child process runs ``ical.parse_calendar``
under an address-space limit and is killed when the time is up, so a hostile file costs
the server one bounded child, never its event loop or its memory. Run as
``python -m officegate.server.meetings.sandbox``: a JSON header line and the file on
stdin, a JSON answer on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from officegate.server.meetings.ical import (
    InvalidCalendar,
    Occurrence,
    ParsedCalendar,
    parse_calendar,
)
from officegate.server.meetings.recurrence import CalendarRefused

if TYPE_CHECKING:  # the child process skips importing pydantic settings
    from officegate.server.meetings.settings import MeetingSettings

TOO_COSTLY = "calendar_too_costly"


@dataclass(frozen=True, slots=True)
class ParseBudget:
    """What reading one calendar may cost: wall-clock seconds and extra memory (MiB)."""

    seconds: float = 10.0
    memory_mb: int = 256

    @classmethod
    def of(cls, config: MeetingSettings) -> ParseBudget:
        """The budget the settings give (``OFFICEGATE_MEETINGS_PARSE_SECONDS`` and
        ``OFFICEGATE_MEETINGS_PARSE_MEMORY_MB``)."""
        return cls(seconds=config.parse_seconds, memory_mb=config.parse_memory_mb)


def parse_bounded(data: bytes, *, window_start: datetime, window_end: datetime,
                  default_tz: tzinfo = UTC, budget: ParseBudget | None = None
                  ) -> ParsedCalendar:
    """``ical.parse_calendar`` in a child process within ``budget``.

    Blocks the calling thread (call it from a worker thread, never the event loop). Raises
    InvalidCalendar or CalendarRefused as the parser does, and CalendarRefused with code
    ``calendar_too_costly`` when the child runs out of time or memory.
    """
    budget = budget or ParseBudget()
    header = {"start": window_start.isoformat(), "end": window_end.isoformat(),
              "zone": getattr(default_tz, "key", "UTC"), "memory_mb": budget.memory_mb}
    request = json.dumps(header).encode() + b"\n" + data
    try:  # our own interpreter and module, no shell; the file goes in on stdin
        done = subprocess.run([sys.executable, "-m", __name__], input=request,  # noqa: S603
                              capture_output=True, timeout=budget.seconds, check=False)
    except subprocess.TimeoutExpired:
        raise CalendarRefused(TOO_COSTLY, f"reading this calendar took longer than "
                                          f"{budget.seconds:g} s; nothing was imported"
                              ) from None
    try:
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if answer is None:  # killed by its memory limit before it could say so
        raise CalendarRefused(TOO_COSTLY, f"reading this calendar needed more than "
                                          f"{budget.memory_mb} MiB; nothing was imported")
    kind, *rest = answer
    if kind == "ok":
        return _parsed_from(rest[0])
    code, message = rest
    if kind == "invalid":
        raise InvalidCalendar(message)
    raise CalendarRefused(code, message)


def _limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra_mb``."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return  # no /proc or no rlimits here: the time budget still holds
    limit = used + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _parsed_to(parsed: ParsedCalendar) -> dict[str, Any]:
    out = asdict(parsed)
    out["masters"] = sorted(parsed.masters)
    return out


def _parsed_from(raw: dict[str, Any]) -> ParsedCalendar:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    occurrences = [Occurrence(**{**o, "starts_at": when(o["starts_at"]),
                                 "ends_at": when(o["ends_at"]), "modified": when(o["modified"]),
                                 "attendees": tuple(tuple(a) for a in o["attendees"])})
                   for o in raw["occurrences"]]
    return ParsedCalendar(method=raw["method"], window_end=datetime.fromisoformat(
        raw["window_end"]), occurrences=occurrences, cancelled_series=raw["cancelled_series"],
        sequences=raw["sequences"], skipped_all_day=raw["skipped_all_day"],
        masters=set(raw["masters"]))


def _child() -> None:
    header, _, data = sys.stdin.buffer.read().partition(b"\n")
    request = json.loads(header)
    memory_mb = int(request["memory_mb"])
    _limit_memory(memory_mb)
    try:
        answer: tuple[object, ...] = ("ok", _parsed_to(parse_calendar(
            data, window_start=datetime.fromisoformat(request["start"]),
            window_end=datetime.fromisoformat(request["end"]),
            default_tz=ZoneInfo(request["zone"]))))
    except CalendarRefused as exc:
        answer = ("refused", exc.code, str(exc))
    except InvalidCalendar as exc:
        answer = ("invalid", exc.code, str(exc))
    except MemoryError:
        answer = ("refused", TOO_COSTLY, f"reading this calendar needed more than "
                                         f"{memory_mb} MiB; nothing was imported")
    sys.stdout.write(json.dumps(answer, default=datetime.isoformat))


if __name__ == "__main__":
    _child()
